//! The app's one binary. trunk builds it once; the page and its DB worker run
//! the same wasm (see index.html), and `main` starts the side that fits where
//! it runs.

fn main() {
    if web_sys::window().is_none() {
        app::worker::start();
        return;
    }
    console_error_panic_hook::set_once();
    // index.html's "Loading…" stands in until now.
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        boot.remove();
    }
    leptos::mount::mount_to_body(app::ui::App);
}
