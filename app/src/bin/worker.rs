//! The DB worker binary (trunk builds it as a web worker).

fn main() {
    app::worker::start();
}
