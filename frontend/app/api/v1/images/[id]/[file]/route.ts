/**
 * Product pictures at the very paths the API gives them (`/api/v1/images/{id}/card.jpg`),
 * served from the storefront's origin: the browser talks only to this server, and the
 * content policy allows images from here only. The API is asked at request time, so
 * `EMPORIUM_API_URL` stays runtime configuration.
 */
import { relayPicture } from "@/lib/api/server";

type Context = { params: Promise<{ id: string; file: string }> };

export async function GET(request: Request, context: Context): Promise<Response> {
  const { id, file } = await context.params;
  return relayPicture(request, id, file);
}
