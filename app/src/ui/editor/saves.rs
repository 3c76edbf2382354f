//! The editor's saves on their way and the drafts they left in localStorage:
//! which texts the database may hold under an edit, and when a save makes a
//! kept draft obsolete. Saves are numbered in the order they start, and a
//! later save of a note always sends a newer text of it.

/// A save on its way: the database holds either the text it was typed over
/// (if known) or the one sent.
struct OnTheWay {
    no: u64,
    id: String,
    over: Option<String>,
    sent: String,
}

#[derive(Default)]
pub struct Saves {
    started: u64,
    on_the_way: Vec<OnTheWay>,
    /// Drafts this page kept, by note: the number of the newest save whose
    /// text the draft includes. A successful later save supersedes it.
    drafts: Vec<(String, u64)>,
}

impl Saves {
    /// A save of `sent` into note `id`, typed over `over`, starts: its number.
    pub fn start(&mut self, id: &str, over: Option<String>, sent: &str) -> u64 {
        self.started += 1;
        self.on_the_way.push(OnTheWay {
            no: self.started,
            id: id.to_owned(),
            over,
            sent: sent.to_owned(),
        });
        self.started
    }

    /// Save `no` was answered: the text it was typed over, if known.
    pub fn end(&mut self, no: u64) -> Option<String> {
        let at = self.on_the_way.iter().position(|s| s.no == no)?;
        self.on_the_way.swap_remove(at).over
    }

    /// The texts the database may hold for note `id` under the editor's
    /// text: `base` (what was last read or saved) and any save on its way.
    pub fn typed_over(&self, id: &str, base: Option<String>) -> Vec<String> {
        let mut over: Vec<String> = base.into_iter().collect();
        for save in self.on_the_way.iter().filter(|s| s.id == id) {
            over.extend(save.over.iter().cloned());
            over.push(save.sent.clone());
        }
        over
    }

    /// The editor's current text of `id` was kept as a draft: it is newer
    /// than every save started so far.
    pub fn drafted(&mut self, id: &str) {
        self.drafts.retain(|(d, _)| d != id);
        self.drafts.push((id.to_owned(), self.started));
    }

    /// Save `no` of `id` failed: whether its text should be kept as a draft
    /// (no newer text of the note is kept already).
    pub fn failed(&mut self, id: &str, no: u64) -> bool {
        if self.drafts.iter().any(|(d, at)| d == id && *at >= no) {
            return false;
        }
        self.drafts.retain(|(d, _)| d != id);
        self.drafts.push((id.to_owned(), no));
        true
    }

    /// Save `no` of `id` succeeded: whether it wrote a text newer than the
    /// draft kept of it, which is then no longer needed.
    pub fn supersedes_draft(&mut self, id: &str, no: u64) -> bool {
        let kept = self.drafts.len();
        self.drafts.retain(|(d, at)| !(d == id && *at < no));
        self.drafts.len() != kept
    }
}
