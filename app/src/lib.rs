//! The notes app in the browser.
//!
//! - [`rpc`]: the typed messages between the UI and the DB worker, and
//!   [`wire`]: how they travel.
//! - [`worker`]: the DB worker (SQLite + cr-sqlite on OPFS), leader election
//!   across tabs, sync over HTTP.
//! - [`client`]: the UI's handle on its tab's worker.
//! - [`ui`]: the Leptos components.

pub mod client;
mod locks;
pub mod rpc;
pub mod ui;
pub mod wire;
pub mod worker;
