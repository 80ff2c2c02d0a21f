//! GraphQL at `POST /graphql`: one schema merged from the contexts' own pieces (each
//! context's `graphql` module), answering with the same data, rules and errors as REST.
//!
//! Hardening: a query may nest at most [`MAX_DEPTH`] levels and cost at most
//! [`MAX_COMPLEXITY`] (one per field; lists count per item asked for), a batch holds at most
//! [`MAX_BATCH`] operations and each counts against the caller's request budget, a query is
//! at most [`MAX_QUERY_BYTES`] long and its text selects at most [`MAX_FIELDS`] fields,
//! [`MAX_ALIASES`] aliases and [`MAX_DIRECTIVES_PER_FIELD`] directives on any one field. Only `POST` with `application/json` is served, so a
//! form on another site cannot send an operation (no CSRF) and nothing runs over `GET`. In
//! production (`EMPORIUM_ENV=production`) introspection and field suggestions are off.

use crate::http::Clients;
use crate::operations::{OperationsMutation, OperationsQuery};
use async_graphql::parser::types::{Selection, SelectionSet};
use async_graphql::{BatchRequest, Data, MergedObject, MergedSubscription, Schema};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::WebSocketUpgrade;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use catalog::{CatalogMutation, CatalogQuery};
use identity::{Identity, IdentityMutation, IdentityQuery};
use inventory::{InventoryMutation, InventoryQuery};
use kernel::auth::{SharedTokenVerifier, bearer_principal};
use kernel::error::ApiError;
use kernel::graphql::Caller;
use kernel::module::GraphqlData;
use kernel::rate_limit::ClientIp;
use orders::{OrdersMutation, OrdersQuery, OrdersSubscription};
use payments::{PaymentsMutation, PaymentsQuery};
use shipping::{ShippingMutation, ShippingQuery};
use std::sync::Arc;

/// Deepest nesting of fields a query may ask for.
pub const MAX_DEPTH: usize = 10;
/// Most fields one query may ask for, counting each list item asked for.
pub const MAX_COMPLEXITY: usize = 1_000;
/// Most operations in one batch: fewer than the ten a batching attack (graphql-cop's check)
/// starts at, and each costs its share of the caller's request budget anyway.
pub const MAX_BATCH: usize = 5;
/// Most aliases one query may use: a real client needs a handful, an alias-overloading
/// attack hundreds.
pub const MAX_ALIASES: usize = 30;
/// Most fields one query's text may select (however often each runs): a duplicated-field
/// attack repeats one field hundreds of times at no cost the complexity limit sees.
pub const MAX_FIELDS: usize = 250;
/// Most directives on one field: an overloading attack piles up unknown ones, each of which
/// would cost an error of its own.
pub const MAX_DIRECTIVES_PER_FIELD: usize = 3;
/// Longest query text accepted.
pub const MAX_QUERY_BYTES: usize = 16 * 1024;

/// Every context's queries.
#[derive(MergedObject, Default)]
pub struct Query(
    CatalogQuery,
    IdentityQuery,
    InventoryQuery,
    OrdersQuery,
    PaymentsQuery,
    ShippingQuery,
    OperationsQuery,
);

/// Every context's mutations.
#[derive(MergedObject, Default)]
pub struct Mutation(
    IdentityMutation,
    CatalogMutation,
    InventoryMutation,
    PaymentsMutation,
    OrdersMutation,
    ShippingMutation,
    OperationsMutation,
);

/// Every context's subscriptions.
#[derive(MergedSubscription, Default)]
pub struct Subscription(OrdersSubscription);

/// The platform's GraphQL schema.
pub type ApiSchema = Schema<Query, Mutation, Subscription>;

/// The schema with its limits; `production` turns introspection and suggestions off.
pub fn schema(production: bool) -> ApiSchema {
    let builder = Schema::build(Query::default(), Mutation::default(), Subscription::default())
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(MAX_DEPTH * 4)
        .limit_directives(MAX_DEPTH);
    if production { builder.disable_introspection().disable_suggestions().finish() } else { builder.finish() }
}

/// What the endpoint needs besides the schema: the contexts' resolver data, who is calling
/// and how much they may send.
pub struct Endpoint {
    schema: ApiSchema,
    data: Vec<GraphqlData>,
    identity: Identity,
    verifier: SharedTokenVerifier,
    clients: Arc<Clients>,
}

impl Endpoint {
    /// An endpoint over `schema`, installing each context's `data` into every request.
    pub fn new(
        schema: ApiSchema,
        data: Vec<GraphqlData>,
        identity: Identity,
        verifier: SharedTokenVerifier,
        clients: Arc<Clients>,
    ) -> Endpoint {
        Endpoint { schema, data, identity, verifier, clients }
    }

    /// `POST /graphql`, and subscriptions over a WebSocket at `GET /graphql/ws`.
    pub fn router(self) -> Router {
        Router::new().route("/graphql", post(serve)).route("/graphql/ws", get(subscribe)).with_state(Arc::new(self))
    }

    /// What every operation's resolvers read: the contexts' state, Identity, the client.
    fn install(&self, data: &mut Data, client: Option<ClientIp>) {
        if let Some(client) = client {
            data.insert(client);
        }
        data.insert(self.identity.clone());
        for install in &self.data {
            install(data);
        }
    }
}

/// Subscriptions over `graphql-transport-ws` (or the older `graphql-ws`). The caller is
/// named by the `connection_init` payload's `Authorization` (`"Bearer <token>"`), as
/// browsers cannot set headers on a WebSocket, or else by the upgrade request's header.
async fn subscribe(
    State(endpoint): State<Arc<Endpoint>>,
    client: Option<ClientIp>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let from_header = bearer_principal(&headers, endpoint.verifier.as_ref());
    upgrade.protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS).on_upgrade(move |socket| async move {
        let mut data = Data::default();
        endpoint.install(&mut data, client);
        let verifier = endpoint.verifier.clone();
        GraphQLWebSocket::new(socket, endpoint.schema.clone(), protocol)
            .with_data(data)
            .on_connection_init(move |payload| async move {
                let token = ["Authorization", "authorization"]
                    .iter()
                    .find_map(|key| payload.get(*key).and_then(serde_json::Value::as_str));
                let caller = match token {
                    Some(value) => {
                        let mut headers = HeaderMap::new();
                        let value = value.parse().map_err(|_| async_graphql::Error::new("unreadable Authorization"))?;
                        headers.insert(header::AUTHORIZATION, value);
                        bearer_principal(&headers, verifier.as_ref())
                    }
                    None => from_header,
                };
                let mut data = Data::default();
                data.insert(Caller(caller));
                Ok(data)
            })
            .serve()
            .await;
    })
}

/// What one query's text asks for, counted before anything runs.
#[derive(Default)]
struct Shape {
    fields: usize,
    aliases: usize,
    most_directives: usize,
}

impl Shape {
    fn count(&mut self, selections: &SelectionSet) {
        for selection in &selections.items {
            match &selection.node {
                Selection::Field(field) => {
                    self.fields += 1;
                    self.aliases += usize::from(field.node.alias.is_some());
                    self.most_directives = self.most_directives.max(field.node.directives.len());
                    self.count(&field.node.selection_set.node);
                }
                Selection::FragmentSpread(spread) => {
                    self.most_directives = self.most_directives.max(spread.node.directives.len());
                }
                Selection::InlineFragment(fragment) => {
                    self.most_directives = self.most_directives.max(fragment.node.directives.len());
                    self.count(&fragment.node.selection_set.node);
                }
            }
        }
    }
}

/// Why `query` is refused before it runs, if it overloads fields, aliases or directives
/// (see [`MAX_FIELDS`], [`MAX_ALIASES`], [`MAX_DIRECTIVES_PER_FIELD`]). A query that does
/// not parse is left to the schema, which says where.
fn overloaded(query: &str) -> Option<String> {
    let document = async_graphql::parser::parse_query(query).ok()?;
    let mut shape = Shape::default();
    for (_, operation) in document.operations.iter() {
        shape.count(&operation.node.selection_set.node);
    }
    for fragment in document.fragments.values() {
        shape.count(&fragment.node.selection_set.node);
    }
    if shape.fields > MAX_FIELDS {
        Some(format!("the query selects {} fields; at most {MAX_FIELDS} are allowed", shape.fields))
    } else if shape.aliases > MAX_ALIASES {
        Some(format!("the query uses {} aliases; at most {MAX_ALIASES} are allowed", shape.aliases))
    } else if shape.most_directives > MAX_DIRECTIVES_PER_FIELD {
        Some(format!(
            "a field carries {} directives; at most {MAX_DIRECTIVES_PER_FIELD} are allowed",
            shape.most_directives
        ))
    } else {
        None
    }
}

/// Gives every error a code: the resolvers' errors carry theirs (see `kernel::graphql`);
/// an error of the whole operation (it does not parse, asks for an unknown field, breaks a
/// limit) is `GRAPHQL_VALIDATION_FAILED`; what is left, a field's argument that does not
/// coerce to its type, `BAD_USER_INPUT`.
fn with_codes(mut response: async_graphql::Response) -> async_graphql::Response {
    for error in &mut response.errors {
        let coded = error.extensions.as_ref().is_some_and(|extensions| extensions.get("code").is_some());
        if !coded {
            let code = if error.path.is_empty() { "GRAPHQL_VALIDATION_FAILED" } else { "BAD_USER_INPUT" };
            error.extensions.get_or_insert_with(Default::default).set("code", code);
        }
    }
    response
}

async fn serve(
    State(endpoint): State<Arc<Endpoint>>,
    client: Option<ClientIp>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::unsupported_media_type("GraphQL operations are sent as application/json"));
    }
    let batch: BatchRequest = serde_json::from_slice(&body)
        .map_err(|error| ApiError::bad_request(format!("not a GraphQL request: {error}")))?;
    let mut requests = match batch {
        BatchRequest::Single(request) => vec![request],
        BatchRequest::Batch(requests) => requests,
    };
    if requests.is_empty() || requests.len() > MAX_BATCH {
        return Err(ApiError::bad_request(format!("a batch holds 1 to {MAX_BATCH} operations")));
    }
    if requests.iter().any(|request| request.query.trim().is_empty()) {
        return Err(ApiError::bad_request("a GraphQL request needs a query"));
    }
    if requests.iter().any(|request| request.query.len() > MAX_QUERY_BYTES) {
        return Err(ApiError::bad_request(format!("a query is at most {MAX_QUERY_BYTES} bytes")));
    }
    if let Some(refusal) = requests.iter().find_map(|request| overloaded(&request.query)) {
        let mut refused = async_graphql::ServerError::new(refusal, None);
        refused.extensions.get_or_insert_with(Default::default).set("code", "GRAPHQL_VALIDATION_FAILED");
        let answer = async_graphql::Response::from_errors(vec![refused]);
        let body = serde_json::to_vec(&answer).map_err(|error| ApiError::internal(&error))?;
        return Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response());
    }
    // The edge counted this HTTP request; each further operation of a batch counts too.
    if let Some(ClientIp(address)) = client {
        for _ in 1..requests.len() {
            endpoint.clients.check(address)?;
        }
    }
    let caller = Caller(bearer_principal(&headers, endpoint.verifier.as_ref()));
    for request in &mut requests {
        request.data.insert(caller.clone());
        endpoint.install(&mut request.data, client);
    }
    let answer = if requests.len() == 1 {
        let request = requests.pop().expect("one request");
        serde_json::to_vec(&with_codes(endpoint.schema.execute(request).await))
    } else {
        let mut answers = Vec::with_capacity(requests.len());
        for request in requests {
            answers.push(with_codes(endpoint.schema.execute(request).await));
        }
        serde_json::to_vec(&answers)
    };
    let answer = answer.map_err(|error| ApiError::internal(&error))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], answer).into_response())
}
