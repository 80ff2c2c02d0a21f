//! What every context's GraphQL pieces share: who is asking, and errors that carry the same
//! meaning as the REST API's problem documents under a stable `extensions.code`.
//!
//! Codes: `BAD_REQUEST`, `UNAUTHENTICATED`, `FORBIDDEN`, `NOT_FOUND`, `CONFLICT`,
//! `BAD_USER_INPUT` (with `fields`: one `{ field, message }` per invalid field), `REJECTED`
//! (with `reason`, the REST problem's `code`), `RATE_LIMITED` (with `retryAfter` seconds),
//! `UNAVAILABLE` and `INTERNAL` (which, as over REST, says nothing of the cause).

use crate::auth::{Principal, Role};
use crate::error::ApiError;
use async_graphql::{Context, ErrorExtensions};

/// The caller of one GraphQL request, as the endpoint found it in the bearer token: nobody,
/// somebody, or a token that was refused (which fails only the fields that need a caller).
#[derive(Debug, Clone)]
pub struct Caller(pub Result<Option<Principal>, ApiError>);

/// What a context installed for its resolvers (`ContextModule::graphql_data`); missing, it
/// is a wiring fault: `INTERNAL`.
pub fn state<'a, T: std::any::Any + Send + Sync>(ctx: &Context<'a>) -> async_graphql::Result<&'a T> {
    ctx.data::<T>().map_err(|missing| {
        ApiError::internal(&std::io::Error::other(format!("GraphQL data: {}", missing.message))).extend()
    })
}

/// A page of a list as a Relay connection whose cursors are the items' `cursor`s (what the
/// REST list's `next_cursor` would be): `after` was given, so there are earlier items.
pub fn connection<T: async_graphql::OutputType>(
    page: crate::http::Page<T>,
    after_given: bool,
    cursor: impl Fn(&T) -> String,
) -> async_graphql::connection::Connection<String, T> {
    let mut connection = async_graphql::connection::Connection::new(after_given, page.next_cursor.is_some());
    connection
        .edges
        .extend(page.items.into_iter().map(|item| async_graphql::connection::Edge::new(cursor(&item), item)));
    connection
}

/// `first` and `after` of a Relay connection as the REST lists' `limit` and `cursor`.
pub fn page_request(first: Option<i32>, after: Option<String>) -> crate::http::PageRequest {
    crate::http::PageRequest { limit: first.map(i64::from), cursor: after }
}

/// The caller where signing in is optional: `None` when anonymous, `UNAUTHENTICATED` for a
/// token that is not acceptable.
pub fn caller(ctx: &Context<'_>) -> async_graphql::Result<Option<Principal>> {
    match ctx.data_opt::<Caller>().map(|caller| &caller.0) {
        Some(Ok(principal)) => Ok(*principal),
        Some(Err(refused)) => Err(refused.extend()),
        None => Ok(None),
    }
}

/// The signed-in caller, or `UNAUTHENTICATED`.
pub fn signed_in(ctx: &Context<'_>) -> async_graphql::Result<Principal> {
    caller(ctx)?.ok_or_else(|| ApiError::unauthorized("sign in: send Authorization: Bearer <token>").extend())
}

/// The signed-in caller when an admin, else `FORBIDDEN` (or `UNAUTHENTICATED`).
pub fn admin(ctx: &Context<'_>) -> async_graphql::Result<Principal> {
    let principal = signed_in(ctx)?;
    if principal.role == Role::Admin {
        Ok(principal)
    } else {
        Err(ApiError::forbidden("this needs the admin role").extend())
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.detail()).extend_with(|_, extensions| {
            let code = match self.status().as_u16() {
                400 => "BAD_REQUEST",
                401 => "UNAUTHENTICATED",
                403 => "FORBIDDEN",
                404 => "NOT_FOUND",
                409 => "CONFLICT",
                422 if self.rejection_code().is_some() => "REJECTED",
                422 => "BAD_USER_INPUT",
                429 => "RATE_LIMITED",
                503 => "UNAVAILABLE",
                _ => "INTERNAL",
            };
            extensions.set("code", code);
            if let Some(reason) = self.rejection_code() {
                extensions.set("reason", reason);
            }
            if !self.field_errors().is_empty() {
                let fields = self
                    .field_errors()
                    .iter()
                    .map(|error| {
                        let mut field = async_graphql::indexmap::IndexMap::new();
                        field.insert(
                            async_graphql::Name::new("field"),
                            async_graphql::Value::from(error.field.as_str()),
                        );
                        field.insert(
                            async_graphql::Name::new("message"),
                            async_graphql::Value::from(error.message.as_str()),
                        );
                        async_graphql::Value::Object(field)
                    })
                    .collect::<Vec<_>>();
                extensions.set("fields", fields);
            }
            if let Some(seconds) = self.retry_after_seconds() {
                extensions.set("retryAfter", seconds);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FieldError;

    fn code_of(error: &ApiError) -> String {
        let extended = error.extend();
        let extensions = extended.extensions.expect("extensions");
        extensions.get("code").expect("a code").to_string()
    }

    #[test]
    fn every_problem_has_a_stable_code() {
        let cases = [
            (ApiError::bad_request("x"), "\"BAD_REQUEST\""),
            (ApiError::unauthorized("x"), "\"UNAUTHENTICATED\""),
            (ApiError::forbidden("x"), "\"FORBIDDEN\""),
            (ApiError::not_found("x"), "\"NOT_FOUND\""),
            (ApiError::conflict("x"), "\"CONFLICT\""),
            (ApiError::rejected("out_of_stock", "x"), "\"REJECTED\""),
            (ApiError::too_many_requests("x", std::time::Duration::from_secs(3)), "\"RATE_LIMITED\""),
            (ApiError::unavailable("x"), "\"UNAVAILABLE\""),
            (ApiError::internal(&std::io::Error::other("disk on fire")), "\"INTERNAL\""),
        ];
        for (error, code) in cases {
            assert_eq!(code_of(&error), code, "{error}");
        }
    }

    #[test]
    fn invalid_fields_and_refusals_say_which_and_why() {
        let invalid = ApiError::validation(vec![FieldError { field: "quantity".into(), message: "must be 1+".into() }]);
        let extended = invalid.extend();
        let extensions = extended.extensions.unwrap();
        assert_eq!(extensions.get("code").unwrap().to_string(), "\"BAD_USER_INPUT\"");
        assert_eq!(extensions.get("fields").unwrap().to_string(), r#"[{field: "quantity", message: "must be 1+"}]"#);
        let refused = ApiError::rejected("shipping_unavailable", "no zone").extend();
        assert_eq!(refused.extensions.unwrap().get("reason").unwrap().to_string(), "\"shipping_unavailable\"");
        let internal = ApiError::internal(&std::io::Error::other("disk on fire")).extend();
        assert!(!internal.message.contains("disk"), "internals never reach the client");
    }
}
