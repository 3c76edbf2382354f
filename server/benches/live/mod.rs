//! The parts of `live_bench` and what they share.

pub mod common;
pub mod idle;
pub mod poke;
pub mod restart;
mod sim;
pub mod stream;
