//! One sync round, without I/O: the client turns its database into a
//! [`protocol::SyncRequest`], the server turns a request and its database into
//! a [`protocol::SyncResponse`], and the client absorbs the response. The
//! transport (HTTP, tests calling the server directly) is someone else's job.
//!
//! ```
//! use store::Store;
//! let (mut phone, mut laptop) = (Store::open_in_memory()?, Store::open_in_memory()?);
//! let mut server = Store::open_in_memory()?;
//! let limits = sync::server::Limits::default();
//! phone.save_note("n1", "milk", 1_700_000_000_000)?;
//!
//! for client in [&mut phone, &mut laptop] {
//!     loop {
//!         let round = sync::client::prepare(client, 1000)?;
//!         let response = sync::server::serve(&mut server, &round.request, &limits)?;
//!         if sync::client::absorb(client, &round, &response)?.done {
//!             break;
//!         }
//!     }
//! }
//! assert_eq!(laptop.get_note("n1")?.map(|n| n.body).as_deref(), Some("milk"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod check;
pub mod client;
pub mod convert;
mod cursors;
mod error;
pub mod live;
pub mod new_site;
pub mod pk;
pub mod server;

pub use cursors::Cursors;
pub use error::SyncError;
