//! This browser's name for itself in the notebook open (`store::devices`):
//! what another device's conflict copies say they were written against.

use store::{Store, StoreError};
use wasm_bindgen::JsCast;

/// "Chrome on Android", from this worker's user agent.
fn default_name() -> String {
    let agent = js_sys::global()
        .dyn_into::<web_sys::DedicatedWorkerGlobalScope>()
        .ok()
        .and_then(|scope| scope.navigator().user_agent().ok())
        .unwrap_or_default();
    store::devices::default_device_name(&agent)
}

/// Gives the notebook in `store` this device's name: `carried` (the name
/// the notebook open before had), else the one it has, else a default from
/// the browser. Writes only a name that changes.
pub fn name_this_device(store: &mut Store, carried: Option<String>) -> Result<(), StoreError> {
    let name = match carried {
        Some(name) => name,
        None => match store.device_name()? {
            Some(_) => return Ok(()),
            None => default_name(),
        },
    };
    store.set_device_name(&name)?;
    Ok(())
}
