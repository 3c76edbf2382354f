//! Times as a person says them: "just now", "5 min ago", "yesterday", then
//! the date. The exact time stays one hover (or long press) away.

use leptos::prelude::*;

use super::note_row::format_time;

thread_local! {
    /// "Dec 7, 2026": for anything older than yesterday.
    static DAY_FORMAT: js_sys::Function = {
        let opts = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&opts, &"dateStyle".into(), &"medium".into());
        js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &opts).format()
    };
}

fn local_day(ms: f64) -> String {
    String::from(js_sys::Date::new(&ms.into()).to_date_string())
}

/// `then_ms` as seen at `now_ms`, both milliseconds since the Unix epoch.
pub fn relative(now_ms: f64, then_ms: f64) -> String {
    const DAY_MS: f64 = 24.0 * 60.0 * 60.0 * 1000.0;
    let minutes = ((now_ms - then_ms) / 60_000.0).floor();
    let day = local_day(then_ms);
    if minutes < 1.0 {
        "just now".to_owned()
    } else if minutes < 60.0 {
        format!("{minutes} min ago")
    } else if day == local_day(now_ms) {
        format!("{} h ago", (minutes / 60.0).floor())
    } else if day == local_day(now_ms - DAY_MS) {
        "yesterday".to_owned()
    } else {
        DAY_FORMAT.with(|format| {
            format
                .call1(
                    &wasm_bindgen::JsValue::NULL,
                    &js_sys::Date::new(&then_ms.into()),
                )
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_default()
        })
    }
}

/// The time now, moved on each minute: what relative times are redrawn by.
pub fn minute_clock() -> RwSignal<f64> {
    let now = RwSignal::new(js_sys::Date::now());
    if let Ok(handle) = set_interval_with_handle(
        move || now.set(js_sys::Date::now()),
        std::time::Duration::from_secs(60),
    ) {
        on_cleanup(move || handle.clear());
    }
    now
}

/// A `<time>` saying `ms` relative to `now`, the exact time on hover.
pub fn view_time(now: RwSignal<f64>, ms: f64) -> impl IntoView {
    let exact = format_time(ms);
    let iso = String::from(js_sys::Date::new(&ms.into()).to_iso_string());
    view! {
        <time class="note-date" datetime=iso title=exact>{move || relative(now.get(), ms)}</time>
    }
}
