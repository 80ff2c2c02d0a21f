//! GraphiQL at `GET /graphiql`, for exploring the GraphQL API in development (never in
//! production). Every file the page loads is compiled into the binary and served from
//! `/graphiql/assets/`, so it works offline and the page may load nothing from anywhere
//! else; `crates/app/assets/graphiql/README.md` says which versions are vendored and how.
//!
//! GraphiQL learns the schema from `/graphiql/schema.graphql` (the served schema's SDL), not
//! by introspection: its introspection query nests deeper than `/graphql` allows
//! ([`crate::graphql::MAX_DEPTH`]).

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use kernel::error::ApiError;
use std::sync::OnceLock;

/// What the page may do: run only its own scripts (none inline), call only this server
/// (`'self'` covers its `ws:`/`wss:` URL too). GraphiQL needs two loosenings, neither of
/// which lets anything run: `<style>` elements (its dialogs inject one to keep the page
/// from scrolling behind them) and `data:` fonts and images (its stylesheet embeds its
/// fonts and the editor's error markers; the page's empty icon keeps browsers from asking
/// for `/favicon.ico`).
pub const CONTENT_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'";

/// The assets change only with the binary and their URLs carry a fingerprint of their
/// content, so a browser may keep them for a year.
const ASSET_CACHING: &str = "public, max-age=31536000, immutable";

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// A file the page loads, as compiled in.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/graphiql/", $name)),
        }
    };
}

/// In the order the page loads them: GraphiQL's bundle expects `React` and `ReactDOM` as
/// globals, and `init.js` the three.
const ASSETS: [Asset; 5] = [
    asset!("graphiql.min.css", CSS),
    asset!("react.production.min.js", JAVASCRIPT),
    asset!("react-dom.production.min.js", JAVASCRIPT),
    asset!("graphiql.min.js", JAVASCRIPT),
    asset!("init.js", JAVASCRIPT),
];

/// `GET /graphiql`, its assets and `sdl`, the schema it explores; mounted only outside
/// production.
pub fn router(sdl: String) -> Router {
    let schema = ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], sdl);
    Router::new()
        .route("/graphiql", get(page))
        .route("/graphiql/assets/{file}", get(asset))
        .route("/graphiql/schema.graphql", get(move || std::future::ready(schema.clone())))
}

async fn page() -> Html<&'static str> {
    static PAGE: OnceLock<String> = OnceLock::new();
    Html(PAGE.get_or_init(render_page))
}

fn render_page() -> String {
    let tags = ASSETS
        .iter()
        .map(|asset| {
            let url = format!("/graphiql/assets/{}?v={:016x}", asset.name, fingerprint(asset.bytes));
            if asset.content_type == CSS {
                format!(r#"    <link rel="stylesheet" href="{url}">"#)
            } else {
                format!(r#"    <script src="{url}" defer></script>"#)
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        r#"<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Emporium GraphiQL</title>
    <link rel="icon" href="data:,">
{tags}
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
  </body>
</html>
"#
    )
}

/// FNV-1a: enough to tell one build's asset from another's in its URL (not a security
/// measure; the bytes come from the binary itself).
fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3))
}

async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|asset| asset.name == file) {
        Some(asset) => {
            ([(header::CONTENT_TYPE, asset.content_type), (header::CACHE_CONTROL, ASSET_CACHING)], asset.bytes)
                .into_response()
        }
        None => ApiError::not_found("no such GraphiQL asset").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_every_asset_from_this_server_in_order() {
        let page = render_page();
        let positions: Vec<_> = ASSETS
            .iter()
            .map(|asset| page.find(&format!("/graphiql/assets/{}?v=", asset.name)).expect(asset.name))
            .collect();
        assert!(positions.is_sorted(), "{page}");
        assert!(!page.contains("http://") && !page.contains("https://"), "{page}");
    }

    #[test]
    fn a_changed_asset_gets_a_new_url() {
        assert_ne!(fingerprint(b"graphiql 3.9.0"), fingerprint(b"graphiql 3.9.1"));
    }
}
