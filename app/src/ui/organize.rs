//! Keeping notes in order: how the list is sorted (remembered by this
//! browser), the tags with their counts, and the tag the list is filtered
//! by.

use leptos::prelude::*;

use super::{Ctx, ask, local_storage};
use crate::rpc::{Sort, Tag};

const SORT_KEY: &str = "notes.sort.v1";

const SORTS: [(Sort, &str, &str); 3] = [
    (Sort::Edited, "edited", "Last edited"),
    (Sort::Created, "created", "Created"),
    (Sort::Title, "title", "Title"),
];

/// The order this browser last chose.
pub fn saved_sort() -> Sort {
    let saved = local_storage().and_then(|s| s.get_item(SORT_KEY).ok().flatten());
    SORTS
        .iter()
        .find(|(_, key, _)| saved.as_deref() == Some(key))
        .map_or(Sort::Edited, |(sort, _, _)| *sort)
}

fn save_sort(sort: Sort) {
    if let (Some(storage), Some((_, key, _))) =
        (local_storage(), SORTS.iter().find(|(s, _, _)| *s == sort))
    {
        // Not kept (a private window): the order lasts as long as the page.
        let _ = storage.set_item(SORT_KEY, key);
    }
}

/// The sort order and, while the list is filtered, the tag it shows.
#[component]
pub fn ListTools() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let choose = move |ev: leptos::ev::Event| {
        let key = event_target_value(&ev);
        if let Some((sort, _, _)) = SORTS.iter().find(|(_, k, _)| *k == key) {
            save_sort(*sort);
            ctx.sort.set(*sort);
        }
    };
    view! {
        <div class="list-tools">
            <label class="sort">
                "Sort by "
                <select aria-label="Sort by" on:change=choose>
                    {SORTS.iter().map(|(sort, key, label)| view! {
                        <option value=*key selected=move || ctx.sort.get() == *sort>{*label}</option>
                    }).collect_view()}
                </select>
            </label>
            {move || ctx.tag.get().map(|tag| view! {
                <span class="tag-filter">
                    {format!("#{tag}")}
                    <button
                        class="link"
                        aria-label=format!("Show every note, not only #{tag}")
                        on:click=move |_| ctx.tag.set(None)
                    >"×"</button>
                </span>
            })}
        </div>
        <TagList />
    }
}

/// Every tag with how many notes carry it; choosing one filters the list.
#[component]
fn TagList() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let tags = RwSignal::new(Vec::<Tag>::new());
    let asked = StoredValue::new(0u64);
    Effect::new(move |_| {
        ctx.version.track();
        asked.update_value(|n| *n += 1);
        let mine = asked.get_value();
        leptos::task::spawn_local(async move {
            let answer = ask::list_tags().await;
            // The list is gone or a newer question was asked.
            if asked.try_get_value() != Some(mine) {
                return;
            }
            // A list that cannot be read stays as it was: the notes are
            // still there, and the next change asks again.
            if let Ok(now) = answer
                && tags.with_untracked(|t| *t != now)
            {
                tags.set(now);
            }
        });
    });
    let pick = move |name: String| {
        ctx.tag.update(|t| {
            *t = if t.as_deref() == Some(&name) {
                None
            } else {
                Some(name)
            }
        });
    };
    view! {
        <Show when=move || !tags.with(Vec::is_empty)>
            <details class="tags">
                <summary>{move || format!("Tags ({})", tags.with(Vec::len))}</summary>
                <ul class="tag-list">
                    <For each=move || tags.get() key=|t| t.clone() children=move |t| {
                        let name = t.name.clone();
                        let chosen = {
                            let name = name.clone();
                            move || ctx.tag.with(|c| c.as_deref() == Some(name.as_str()))
                        };
                        view! {
                            <li>
                                <button
                                    class="tag"
                                    class:selected=chosen.clone()
                                    aria-pressed=move || if chosen() { "true" } else { "false" }
                                    aria-label=format!(
                                        "#{} ({} note{})",
                                        t.name,
                                        t.notes,
                                        if t.notes == 1 { "" } else { "s" }
                                    )
                                    on:click=move |_| pick(name.clone())
                                >
                                    {format!("#{}", t.name)}
                                    <span class="count" aria-hidden="true">{t.notes}</span>
                                </button>
                            </li>
                        }
                    } />
                </ul>
            </details>
        </Show>
    }
}
