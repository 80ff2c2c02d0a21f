// Starts GraphiQL against this server: operations go to POST /graphql, subscriptions to
// /graphql/ws over graphql-transport-ws. A file of its own rather than an inline script,
// so the page's Content-Security-Policy can refuse every inline script.
(function () {
  "use strict";

  // The headers typed into the Headers tab go with every POST and, as the connection_init
  // payload, with every subscription (browsers cannot set headers on a WebSocket).
  var socketScheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  var fetcher = GraphiQL.createFetcher({
    url: "/graphql",
    subscriptionUrl: socketScheme + "//" + window.location.host + "/graphql/ws",
    // The server answers plain JSON only (no multipart @defer/@stream responses).
    enableIncrementalDelivery: false,
  });

  var defaultQuery = [
    "# Sign in with the mutation below, then put",
    '#   { "Authorization": "Bearer <accessToken>" }',
    "# into the Headers tab to act as that account.",
    "# Headers are not kept once the page is closed.",
    "#",
    "# mutation {",
    '#   login(email: "customer@emporium.local",',
    '#         password: "customer-password-1") {',
    "#     accessToken",
    "#   }",
    "# }",
    "",
    "{",
    "  categories {",
    "    name",
    "  }",
    "}",
    "",
  ].join("\n");

  // GraphiQL keeps its tabs, history and favourites in localStorage. Its tabs leave the
  // headers out (shouldPersistHeaders), but its history and favourites would keep each
  // operation's headers, a bearer token among them: they are dropped before being written.
  var withOperations = /^graphiql:(queries|favorites)$/;
  function withoutHeaders(json) {
    return JSON.stringify(JSON.parse(json), function (key, value) {
      return key === "headers" ? undefined : value;
    });
  }
  var storage = new Proxy(window.localStorage, {
    get: function (target, property) {
      if (property === "setItem") {
        return function (key, value) {
          target.setItem(key, withOperations.test(key) ? withoutHeaders(value) : value);
        };
      }
      var value = target[property];
      return typeof value === "function" ? value.bind(target) : value;
    },
  });

  // GraphiQL fills the window. Set here rather than in a <style> element, which the page's
  // policy would have to allow.
  var container = document.getElementById("graphiql");
  document.body.style.margin = "0";
  container.style.height = "100vh";

  function start(schema) {
    ReactDOM.createRoot(container).render(
      React.createElement(GraphiQL, {
        fetcher: fetcher,
        schema: schema,
        storage: storage,
        defaultQuery: defaultQuery,
        defaultEditorToolsVisibility: "headers",
        shouldPersistHeaders: false,
      }),
    );
  }

  // The schema comes as SDL rather than by introspection: GraphiQL's introspection query
  // nests deeper than /graphql allows. Without the SDL GraphiQL still starts, and tries.
  fetch("/graphiql/schema.graphql")
    .then(function (reply) {
      if (!reply.ok) {
        throw new Error("HTTP " + reply.status);
      }
      return reply.text();
    })
    .then(function (sdl) {
      start(GraphiQL.GraphQL.buildSchema(sdl));
    })
    .catch(function (error) {
      console.error("GraphiQL: the schema did not load", error);
      start(undefined);
    });
})();
