//! The editor's saves on their way and the drafts they left in localStorage:
//! which texts the database may hold under an edit, and when a save makes a
//! kept draft obsolete; and a note left while its save went onto other
//! lines. Saves are numbered in the order they start, and a later save of a
//! note always sends a newer text of it.

/// A save on its way: the database holds either the text it was typed over
/// (if known) or the one sent.
struct OnTheWay {
    no: u64,
    id: String,
    over: Option<String>,
    sent: String,
}

/// A note left while its save put the edit onto lines written elsewhere: a
/// save of the note made before it was left was typed over `typed`, and goes
/// onto `took`; saved as it is, it would delete those lines.
pub struct Moved {
    id: String,
    pub typed: String,
    pub took: String,
}

#[derive(Default)]
pub struct Saves {
    started: u64,
    on_the_way: Vec<OnTheWay>,
    /// Drafts this page kept, by note: the number of the newest save whose
    /// text the draft includes. A successful later save supersedes it.
    drafts: Vec<(String, u64)>,
    moved: Option<Moved>,
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

    /// A save of note `id`, no longer shown, ended with the note holding
    /// `took`: the text it was typed as, if that is not `took`, is what a
    /// save of the note from before it was left was typed over.
    pub fn ended_left(&mut self, id: &str, typed: Option<String>, took: &str) {
        self.read(id);
        if let Some(typed) = typed {
            self.moved = Some(Moved {
                id: id.to_owned(),
                typed,
                took: took.to_owned(),
            });
        }
    }

    /// Note `id` was read (to show it, or by a save that put its edit onto
    /// what it read): what is typed now goes over that.
    pub fn read(&mut self, id: &str) {
        if self.moved.as_ref().is_some_and(|m| m.id == id) {
            self.moved = None;
        }
    }

    /// What a save of note `id` that is no longer shown goes onto, if the
    /// note took another text since it was left.
    pub fn take_moved(&mut self, id: &str) -> Option<Moved> {
        self.moved.take_if(|m| m.id == id)
    }

    /// A save that took `moved` failed: the next one goes onto it instead.
    pub fn put_back(&mut self, moved: Moved) {
        self.moved = Some(moved);
    }
}
