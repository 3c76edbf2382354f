//! The DOM as JavaScript sees it, for the keyboard's code (`keys`,
//! `palette`): properties and methods by name, through the two imports they
//! all share. Each typed web-sys getter or method is an import of its own,
//! with its glue; the 22 these modules used were 1 KB of the download,
//! whose budget is spent (docs/BENCHMARKS.md).

use wasm_bindgen::{JsCast, JsValue};

/// `of[name]`; undefined if there is no such property.
pub fn get(of: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(of, &JsValue::from_str(name)).unwrap_or_default()
}

/// `of[name]` is true (or truthy).
pub fn is(of: &JsValue, name: &str) -> bool {
    get(of, name).is_truthy()
}

/// `of[name]` as a string, empty if it is none.
pub fn text(of: &JsValue, name: &str) -> String {
    get(of, name).as_string().unwrap_or_default()
}

/// Sets `of[name]` to `value` (nothing if `of` is no object).
pub fn set(of: &JsValue, name: &str, value: &str) {
    let _ = js_sys::Reflect::set(of, &JsValue::from_str(name), &JsValue::from_str(value));
}

/// `of[name](arg)`, or `of[name]()` without `arg`; undefined if there is
/// no such method or it threw.
pub fn call(of: &JsValue, name: &str, arg: Option<&str>) -> JsValue {
    let method = get(of, name);
    if !method.is_function() {
        return JsValue::UNDEFINED;
    }
    let arg = arg.map_or(JsValue::UNDEFINED, JsValue::from_str);
    method
        .unchecked_into::<js_sys::Function>()
        .call1(of, &arg)
        .unwrap_or_default()
}

/// The first element `selector` matches in the document.
pub fn find(selector: &str) -> JsValue {
    call(
        &leptos::prelude::document(),
        "querySelector",
        Some(selector),
    )
}
