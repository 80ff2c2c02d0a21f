//! GraphiQL at `/graphiql`: in development a page that loads everything from this server
//! (it works offline and its policy lets it load nothing else); in production no such page.

use emporium::settings::Environment;
use reqwest::StatusCode;
use testkit::{Backend, TestApp};

/// Every file the page loads, with the content type it must be served as.
const ASSETS: [(&str, &str); 5] = [
    ("/graphiql/assets/graphiql.min.css", "text/css"),
    ("/graphiql/assets/react.production.min.js", "text/javascript"),
    ("/graphiql/assets/react-dom.production.min.js", "text/javascript"),
    ("/graphiql/assets/graphiql.min.js", "text/javascript"),
    ("/graphiql/assets/init.js", "text/javascript"),
];

/// The schema GraphiQL explores, as SDL.
const SCHEMA: &str = "/graphiql/schema.graphql";

/// The value of every `src="..."` and `href="..."` in `page`.
fn references(page: &str) -> Vec<&str> {
    ["src=\"", "href=\""]
        .iter()
        .flat_map(|attribute| page.match_indices(attribute).map(|(at, _)| &page[at + attribute.len()..]))
        .map(|rest| &rest[..rest.find('"').expect("a closed attribute")])
        .collect()
}

fn header<'a>(reply: &'a reqwest::Response, name: &str) -> &'a str {
    reply.headers().get(name).and_then(|value| value.to_str().ok()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_development_graphiql_loads_everything_from_this_server() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let reply = reqwest::get(format!("{}/graphiql", app.base)).await.unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    assert!(header(&reply, "content-type").starts_with("text/html"), "{:?}", reply.headers());
    assert_eq!(header(&reply, "content-security-policy"), emporium::graphiql::CONTENT_POLICY);
    assert!(emporium::graphiql::CONTENT_POLICY.contains("script-src 'self';"), "no inline or foreign scripts");
    assert_eq!(header(&reply, "x-frame-options"), "DENY");
    let page = reply.text().await.unwrap();
    assert!(!page.contains("http://") && !page.contains("https://"), "{page}");

    let loaded: Vec<_> = references(&page).into_iter().filter(|url| !url.starts_with("data:")).collect();
    let mut paths: Vec<_> = loaded.iter().map(|url| url.split_once('?').map_or(*url, |(path, _)| path)).collect();
    paths.sort_unstable();
    let mut expected: Vec<_> = ASSETS.iter().map(|(path, _)| *path).collect();
    expected.sort_unstable();
    assert_eq!(paths, expected, "{page}");

    for url in loaded {
        let path = url.split_once('?').map_or(url, |(path, _)| path);
        let (_, content_type) = ASSETS.iter().find(|(asset, _)| *asset == path).unwrap();
        let reply = reqwest::get(format!("{}{url}", app.base)).await.unwrap();
        assert_eq!(reply.status(), StatusCode::OK, "{url}");
        assert!(header(&reply, "content-type").starts_with(content_type), "{url}: {:?}", reply.headers());
        assert!(header(&reply, "cache-control").contains("max-age=31536000"), "{url}: {:?}", reply.headers());
        assert_eq!(header(&reply, "x-content-type-options"), "nosniff", "{url}");
        assert!(!reply.bytes().await.unwrap().is_empty(), "{url}");
    }

    let init = reqwest::get(format!("{}/graphiql/assets/init.js", app.base)).await.unwrap().text().await.unwrap();
    assert!(init.contains(r#"url: "/graphql""#) && init.contains(r#""/graphql/ws""#), "{init}");
    // GraphiQL's introspection query is deeper than /graphql allows: it reads the SDL.
    let schema = reqwest::get(format!("{}{SCHEMA}", app.base)).await.unwrap();
    assert_eq!(schema.status(), StatusCode::OK);
    assert_eq!(schema.text().await.unwrap(), app.platform().graphql_sdl());
    let unknown = reqwest::get(format!("{}/graphiql/assets/secrets.js", app.base)).await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_production_there_is_no_graphiql() {
    let app = TestApp::spawn_with(&Backend::Sqlite, |settings| settings.environment = Environment::Production).await;
    let pages = ["/graphiql", SCHEMA].into_iter().chain(ASSETS.iter().map(|(path, _)| *path));
    for path in pages {
        let reply = reqwest::get(format!("{}{path}", app.base)).await.unwrap();
        assert_eq!(reply.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(!header(&reply, "content-type").starts_with("text/html"), "{path}");
    }
}
