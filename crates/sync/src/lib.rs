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
//! phone.conn().execute("INSERT INTO notes (id, body) VALUES ('n1', 'milk')", [])?;
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
//! let body: String = laptop.conn().query_row("SELECT body FROM notes", [], |r| r.get(0))?;
//! assert_eq!(body, "milk");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod client;
pub mod convert;
mod cursors;
mod error;
pub mod pk;
pub mod server;

pub use cursors::Cursors;
pub use error::SyncError;
