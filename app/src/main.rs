//! The app's one binary. trunk builds it once; the page and its DB worker run
//! the same wasm (see index.html), and `main` starts the side that fits where
//! it runs.

fn main() {
    if web_sys::window().is_none() {
        app::worker::start();
        return;
    }
    console_error_panic_hook::set_once();
    // index.html's "Loading…" and the last screen kept stand in until now.
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        for id in ["boot", "kept-screen"] {
            if let Some(stand_in) = document.get_element_by_id(id) {
                stand_in.remove();
            }
        }
    }
    leptos::mount::mount_to_body(app::ui::App);
}
