import { handleAuth } from "@/lib/auth-handlers";
import { login } from "@/lib/api/server";
import { str } from "@/lib/http";

export async function POST(request: Request) {
  return handleAuth(request, (body) => login({ email: str(body.email), password: str(body.password) }), 200);
}
