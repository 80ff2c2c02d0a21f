//! Identity's HTTP API and account operations, driven in-process through its router on
//! SQLite and on PostgreSQL (when `EMPORIUM_TEST_DATABASE_URL` is set; required under CI).
//! One test binary, laid out like `src/`: one module per slice.

mod support;

mod accounts;
mod limits;
mod login;
mod me;
mod password;
mod register;
mod sessions;
