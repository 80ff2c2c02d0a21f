import { handleAuth } from "@/lib/auth-handlers";
import { register } from "@/lib/api/server";
import { str } from "@/lib/http";

export async function POST(request: Request) {
  return handleAuth(
    request,
    (body) => register({ email: str(body.email), password: str(body.password), name: str(body.name) }),
    201,
  );
}
