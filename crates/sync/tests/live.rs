//! The live-sync scheduler against a simulated server and network, on a
//! clock moved by hand: what it asks for after commits, pokes, failures,
//! sleep, hidden tabs and lost networks.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use sync::live::{Command, Failure, Input, Millis, Mode, Scheduler, Settings};

const SEC: Millis = 1_000;
const MIN: Millis = 60 * SEC;
/// How long a round takes in the simulation.
const ROUND: Millis = 40;
const HEARTBEAT: Millis = 15 * SEC;

/// What the (simulated) stream does once open.
#[derive(Clone, Copy, PartialEq)]
enum Path {
    /// Straight to the server: a poke at once, heartbeats after.
    Direct,
    /// A proxy that cuts it a second after it opened.
    Cuts,
    /// A proxy that buffers it: nothing arrives.
    Buffers,
}

/// A scheduler, the server and network around it, and a clock.
struct Sim {
    s: Scheduler,
    now: Millis,
    /// Every command, with when it was given.
    log: Vec<(Millis, Command)>,
    /// Inputs the world will feed, by time (then order of scheduling).
    due: BTreeMap<(Millis, u64), Input>,
    seq: u64,
    server_up: bool,
    online: bool,
    /// The server refuses rounds with this.
    refuse_rounds: Option<Failure>,
    path: Path,
    server_version: i64,
    /// The stream the world holds open for the scheduler, if any: its number.
    stream: Option<u64>,
    streams: u64,
}

impl Sim {
    fn new(seed: u64) -> Self {
        Self {
            s: Scheduler::new(Settings::default(), seed),
            now: 1_000_000,
            log: Vec::new(),
            due: BTreeMap::new(),
            seq: 0,
            server_up: true,
            online: true,
            refuse_rounds: None,
            path: Path::Direct,
            server_version: 0,
            stream: None,
            streams: 0,
        }
    }

    /// Signed in with automatic sync on, settled: live, first round done.
    fn live(seed: u64) -> Self {
        let mut sim = Self::new(seed);
        sim.feed(configure(true));
        sim.wait(SEC);
        assert_eq!(sim.mode(), Mode::Live);
        sim
    }

    fn at(&mut self, t: Millis, input: Input) {
        self.seq += 1;
        self.due.insert((t, self.seq), input);
    }

    /// Feeds `input` now and carries out what the scheduler asks.
    fn feed(&mut self, input: Input) -> Vec<Command> {
        let cmds = self.s.handle(self.now, input);
        self.carry_out(&cmds);
        cmds
    }

    fn carry_out(&mut self, cmds: &[Command]) {
        for &cmd in cmds {
            self.log.push((self.now, cmd));
            match cmd {
                Command::OpenStream => {
                    self.streams += 1;
                    let n = self.streams;
                    if !(self.server_up && self.online) {
                        self.at(self.now + 5, Input::StreamEnded(Some(Failure::Offline)));
                        continue;
                    }
                    self.stream = Some(n);
                    self.at(self.now + 5, Input::StreamOpened);
                    match self.path {
                        Path::Direct => {
                            self.at(self.now + 6, Input::Poke(self.server_version));
                        }
                        Path::Cuts => {
                            self.at(self.now + 6, Input::Poke(self.server_version));
                            self.at(self.now + SEC, Input::StreamEnded(None));
                        }
                        Path::Buffers => {}
                    }
                }
                Command::CloseStream => {
                    self.stream = None;
                    self.drop_stream_inputs();
                }
                Command::StartRound => {
                    let result = if let Some(refused) = self.refuse_rounds {
                        Err(refused)
                    } else if self.server_up && self.online {
                        Ok(self.server_version)
                    } else {
                        Err(Failure::Offline)
                    };
                    self.at(self.now + ROUND, Input::RoundDone(result));
                }
            }
        }
    }

    fn drop_stream_inputs(&mut self) {
        self.due.retain(|_, i| {
            !matches!(
                i,
                Input::StreamOpened | Input::Poke(_) | Input::Heartbeat | Input::StreamEnded(_)
            )
        });
    }

    /// Moves the clock on by `dt`, feeding what the world does meanwhile
    /// and running the scheduler's timers.
    fn wait(&mut self, dt: Millis) {
        let until = self.now + dt;
        for _ in 0..1_000_000 {
            let world = self.due.keys().next().map(|k| k.0);
            let timer = self.s.wake_at();
            let next = match (world, timer) {
                (Some(w), Some(t)) => w.min(t),
                (Some(w), None) => w,
                (None, Some(t)) => t,
                (None, None) => until + 1,
            };
            if next > until {
                self.now = until;
                return;
            }
            self.now = self.now.max(next);
            if world == Some(next) {
                let key = *self.due.keys().next().unwrap();
                let input = self.due.remove(&key).unwrap();
                if matches!(input, Input::Poke(_) | Input::Heartbeat) && self.path == Path::Direct {
                    self.at(self.now + HEARTBEAT, Input::Heartbeat);
                }
                self.feed(input);
            } else {
                let before = self.s.wake_at();
                let cmds = self.s.tick(self.now);
                assert!(
                    !cmds.is_empty() || self.s.wake_at() != before,
                    "woken at {next} for nothing, again"
                );
                self.carry_out(&cmds);
            }
        }
        panic!("too many events");
    }

    /// Another device's push: the server commits and pokes the stream.
    fn remote_commit(&mut self) {
        self.server_version += 1;
        if self.stream.is_some() && self.path == Path::Direct {
            self.at(self.now + 2, Input::Poke(self.server_version));
        }
    }

    /// The server stops: the open stream ends, nothing answers.
    fn server_stops(&mut self) {
        self.server_up = false;
        if self.stream.take().is_some() {
            self.drop_stream_inputs();
            self.at(self.now + 1, Input::StreamEnded(None));
        }
    }

    fn network(&mut self, online: bool) {
        self.online = online;
        if !online && self.stream.take().is_some() {
            self.drop_stream_inputs();
            self.at(self.now + 1, Input::StreamEnded(Some(Failure::Offline)));
        }
        self.feed(Input::Online(online));
    }

    fn count(&self, cmd: Command, from: Millis) -> usize {
        self.times(cmd, from).len()
    }

    fn times(&self, cmd: Command, from: Millis) -> Vec<Millis> {
        self.log
            .iter()
            .filter(|(t, c)| *c == cmd && *t >= from)
            .map(|(t, _)| *t)
            .collect()
    }

    fn mode(&self) -> Mode {
        self.s.view(self.now).mode
    }
}

fn configure(auto: bool) -> Input {
    Input::Configure {
        signed_in: true,
        auto,
        received: 0,
    }
}

#[test]
fn becoming_leader_opens_one_stream_and_pulls_once_then_stays_quiet() {
    let mut sim = Sim::new(1);
    assert_eq!(sim.mode(), Mode::Off);
    assert_eq!(
        sim.feed(configure(true)),
        [Command::OpenStream, Command::StartRound]
    );
    assert_eq!(sim.mode(), Mode::Connecting);
    sim.wait(2 * MIN);
    assert_eq!(sim.mode(), Mode::Live);
    assert_eq!(sim.count(Command::OpenStream, 0), 1);
    assert_eq!(sim.count(Command::StartRound, 0), 1);
}

#[test]
fn a_commit_pushes_at_once_and_commits_during_a_round_go_together_right_after_it() {
    let mut sim = Sim::live(2);
    sim.wait(5 * SEC);
    let t = sim.now;
    assert_eq!(sim.feed(Input::LocalCommit), [Command::StartRound]);
    sim.wait(ROUND / 2);
    for _ in 0..5 {
        assert!(
            sim.feed(Input::LocalCommit).is_empty(),
            "one round at a time"
        );
    }
    sim.wait(10 * SEC);
    assert_eq!(
        sim.times(Command::StartRound, t),
        [t, t + ROUND + SEC],
        "all five in one round, a second after the first"
    );
}

#[test]
fn a_pull_just_before_a_commit_does_not_hold_the_push_back() {
    let mut sim = Sim::live(18);
    sim.wait(5 * SEC);
    sim.remote_commit();
    sim.wait(100); // pulled
    let t = sim.now;
    assert_eq!(sim.feed(Input::LocalCommit), [Command::StartRound]);
    assert_eq!(sim.times(Command::StartRound, t), [t]);
}

#[test]
fn a_minute_of_typing_saved_every_300_ms_costs_at_most_sixty_rounds() {
    let mut sim = Sim::live(3);
    let start = sim.now;
    while sim.now < start + MIN {
        sim.feed(Input::LocalCommit);
        sim.wait(300);
    }
    let rounds = sim.count(Command::StartRound, start);
    assert!((50..=60).contains(&rounds), "{rounds} rounds");
}

#[test]
fn a_poke_pulls_only_when_newer_than_what_was_received() {
    let mut sim = Sim::live(4);
    let t = sim.now;
    sim.remote_commit();
    sim.wait(10);
    assert_eq!(sim.times(Command::StartRound, t), [t + 2]);
    // Three commits elsewhere during that round: one round after it.
    sim.remote_commit();
    sim.remote_commit();
    sim.remote_commit();
    sim.wait(10 * SEC);
    assert_eq!(sim.count(Command::StartRound, t), 2);
    // Pokes the last answer already went past are no news.
    sim.feed(Input::Poke(1));
    sim.feed(Input::Poke(sim.server_version));
    sim.wait(10 * SEC);
    assert_eq!(sim.count(Command::StartRound, t), 2);
}

#[test]
fn a_stream_open_again_after_a_lost_one_gets_a_round_even_at_the_same_version() {
    // A server restored from a backup: once other devices have merged into
    // it, its version can be back at what this replica received (cr-sqlite's
    // clock catches up with what it merges), so only a round, in which the
    // server checks the epoch this replica saw, tells whether it lost
    // anything.
    let mut sim = Sim::live(5);
    for _ in 0..5 {
        sim.remote_commit();
        sim.wait(SEC);
    }
    sim.server_stops();
    sim.wait(100);
    let t = sim.now;
    sim.server_up = true;
    sim.wait(40 * SEC);
    let opened = sim.times(Command::OpenStream, t);
    let rounds = sim.times(Command::StartRound, t);
    assert_eq!(rounds.len(), 1, "{rounds:?}");
    assert!(
        rounds[0] - opened[opened.len() - 1] < 100,
        "{opened:?} {rounds:?}"
    );
    // Its later pokes below the version received are no news again.
    sim.feed(Input::Poke(1));
    sim.wait(10 * SEC);
    assert_eq!(sim.count(Command::StartRound, t), 1);
}

#[test]
fn a_stream_open_again_during_a_round_gets_one_more_round_after_it() {
    // The round may have been answered by the server as it was before it
    // went back (a restore), and the new stream opened meanwhile: only
    // another round, after it, reaches the server as it is now. Driven by
    // hand from a settled state, so that the events interleave just so.
    let mut sim = Sim::live(7);
    for _ in 0..5 {
        sim.remote_commit();
        sim.wait(SEC);
    }
    let (s, mut now) = (&mut sim.s, sim.now + 5 * SEC);
    assert!(
        s.handle(now, Input::LocalCommit)
            .contains(&Command::StartRound)
    );
    now += 1;
    s.handle(now, Input::StreamEnded(None));
    let mut reopened = false;
    for _ in 0..10 {
        now = s.wake_at().unwrap();
        if s.tick(now).contains(&Command::OpenStream) {
            reopened = true;
            break;
        }
    }
    assert!(reopened);
    s.handle(now + 5, Input::StreamOpened);
    let poked = s.handle(now + 6, Input::Poke(2));
    assert!(!poked.contains(&Command::StartRound), "one round at a time");
    let mut after = s.handle(now + 10, Input::RoundDone(Ok(6)));
    if let Some(at) = s.wake_at().filter(|&at| at <= now + 10 + 2 * SEC) {
        after.extend(s.tick(at));
    }
    assert!(
        after.contains(&Command::StartRound),
        "no round after the one the old server answered"
    );
}

#[test]
fn a_lost_stream_reconnects_with_full_jitter_and_its_backoff_resets_only_after_30_healthy_seconds()
{
    let mut reached_upper_half = [false; 7];
    for seed in 0..300 {
        let mut sim = Sim::live(seed);
        sim.wait(40 * SEC);
        let t0 = sim.now;
        sim.server_stops();
        sim.wait(3 * MIN);
        let tries = sim.times(Command::OpenStream, t0);
        // Each try fails 5 ms after it starts; the wait after the n-th
        // failure is below min(30 s, 1 s · 2^n).
        let mut last_end = t0 + 1;
        for (n, &at) in tries.iter().enumerate() {
            let ceiling = (SEC << n.min(10)).min(30 * SEC);
            let waited = at - last_end;
            assert!(waited < ceiling, "try {n}: waited {waited} (< {ceiling})");
            if let Some(reached) = reached_upper_half.get_mut(n) {
                *reached |= waited > ceiling / 2;
            }
            last_end = at + 5;
        }
        assert!(tries.len() >= 8, "{} tries in 3 minutes", tries.len());
        // Back, and healthy for 30 s: the next loss starts again from 1 s.
        sim.server_up = true;
        sim.wait(2 * MIN);
        assert_eq!(sim.mode(), Mode::Live);
        let from = sim.now;
        sim.server_stops();
        sim.server_up = true;
        sim.wait(2 * SEC);
        let again = sim.times(Command::OpenStream, from);
        assert!(again[0] - from <= SEC + 1, "{}", again[0] - from);
    }
    assert_eq!(
        reached_upper_half, [true; 7],
        "waits reach into the upper half"
    );
}

#[test]
fn retry_after_is_a_floor_for_reconnecting() {
    let mut sim = Sim::live(5);
    sim.stream = None;
    sim.drop_stream_inputs();
    let t = sim.now;
    sim.feed(Input::StreamEnded(Some(Failure::Server {
        retry_after: 20 * SEC,
    })));
    sim.wait(MIN);
    assert!(sim.times(Command::OpenStream, t)[0] >= t + 20 * SEC);
}

#[test]
fn a_silent_stream_is_reconnected_after_45_seconds() {
    let mut sim = Sim::live(6);
    // The connection dies without a word: no heartbeats any more.
    sim.path = Path::Buffers;
    sim.drop_stream_inputs();
    let t = sim.now;
    sim.wait(2 * MIN);
    let reconnects = sim.times(Command::OpenStream, t);
    assert!(!reconnects.is_empty());
    // The last heartbeat came up to 15 s before `t`.
    let silent = reconnects[0] - t;
    assert!((30 * SEC..=45 * SEC).contains(&silent), "{silent}");
}

#[test]
fn waking_from_sleep_reconnects_and_pulls_at_once() {
    let mut sim = Sim::live(7);
    sim.wait(5 * SEC);
    // The device sleeps: no timer fires for ten minutes; the server moved on.
    sim.now += 10 * MIN;
    sim.server_version += 5;
    let cmds = sim.s.tick(sim.now);
    assert_eq!(
        cmds,
        [
            Command::CloseStream,
            Command::OpenStream,
            Command::StartRound
        ]
    );
}

#[test]
fn three_streams_ending_at_once_turn_to_polling_every_30_seconds_while_visible() {
    let mut sim = Sim::live(8);
    sim.path = Path::Cuts;
    sim.server_stops();
    sim.server_up = true;
    sim.wait(30 * SEC);
    assert_eq!(sim.mode(), Mode::Polling);
    let from = sim.now;
    sim.wait(2 * MIN);
    let rounds = sim.count(Command::StartRound, from);
    assert!((4..=5).contains(&rounds), "{rounds}");
    // None while every tab is hidden.
    sim.feed(Input::Visible(false));
    let hidden = sim.now;
    sim.wait(2 * MIN);
    assert_eq!(sim.count(Command::StartRound, hidden), 0);
    sim.feed(Input::Visible(true));
    // The stream is tried again after 5 minutes; one that stays ends polling.
    sim.path = Path::Direct;
    sim.wait(6 * MIN);
    assert_eq!(sim.mode(), Mode::Live);
    let tries = sim.times(Command::OpenStream, from);
    assert!(tries[0] >= from + 4 * MIN, "{}", tries[0] - from);
}

#[test]
fn a_stream_whose_events_are_held_back_counts_as_ending_at_once() {
    let mut sim = Sim::live(9);
    sim.path = Path::Buffers;
    sim.server_stops();
    sim.server_up = true;
    sim.wait(2 * MIN);
    assert_eq!(sim.mode(), Mode::Polling);
}

#[test]
fn a_401_stops_every_retry_until_signed_in_again() {
    for on_stream in [true, false] {
        let mut sim = Sim::live(10);
        if on_stream {
            sim.stream = None;
            sim.drop_stream_inputs();
            sim.feed(Input::StreamEnded(Some(Failure::Unauthorized)));
        } else {
            sim.feed(Input::LocalCommit);
            assert_eq!(
                sim.feed(Input::RoundDone(Err(Failure::Unauthorized))),
                [Command::CloseStream]
            );
        }
        assert_eq!(sim.mode(), Mode::Stopped(Failure::Unauthorized));
        let from = sim.now + 1;
        sim.feed(Input::LocalCommit);
        sim.network(false);
        sim.network(true);
        sim.feed(Input::Visible(false));
        sim.feed(Input::Visible(true));
        sim.remote_commit();
        sim.wait(30 * MIN);
        assert!(sim.log.iter().all(|(t, _)| *t < from), "{:?}", sim.log);
        assert_eq!(sim.s.wake_at(), None, "no timer at all");
        // Signing in again starts over.
        assert_eq!(
            sim.feed(configure(true)),
            [Command::OpenStream, Command::StartRound]
        );
    }
}

#[test]
fn a_409_stops_until_sync_is_pressed_and_works() {
    let mut sim = Sim::live(11);
    sim.refuse_rounds = Some(Failure::Outdated);
    sim.feed(Input::LocalCommit);
    sim.wait(SEC);
    let stopped = sim.now;
    sim.refuse_rounds = None;
    sim.remote_commit();
    sim.wait(10 * MIN);
    assert_eq!(sim.mode(), Mode::Stopped(Failure::Outdated));
    assert!(sim.log.iter().all(|(t, _)| *t <= stopped), "{:?}", sim.log);
    assert_eq!(sim.feed(Input::SyncNow), [Command::StartRound]);
    sim.wait(SEC);
    assert_eq!(sim.mode(), Mode::Live, "the server took it: live again");
}

#[test]
fn offline_nothing_is_tried_more_than_twice_a_minute_and_online_catches_up_at_once() {
    let mut sim = Sim::live(12);
    sim.network(false);
    let from = sim.now;
    for _ in 0..20 {
        sim.feed(Input::LocalCommit);
        sim.wait(30 * SEC);
    }
    assert_eq!(sim.count(Command::StartRound, from), 0);
    let tries = sim.times(Command::OpenStream, from);
    assert!(!tries.is_empty(), "a probe now and then");
    assert!(
        tries.windows(2).all(|w| w[1] - w[0] >= 30 * SEC),
        "{tries:?}"
    );
    sim.remote_commit();
    assert_eq!(
        sim.feed(Input::Online(true)),
        [Command::OpenStream, Command::StartRound]
    );
}

#[test]
fn hidden_for_five_minutes_closes_the_stream_and_visible_again_resumes_and_pulls() {
    let mut sim = Sim::live(13);
    let t = sim.now;
    sim.feed(Input::Visible(false));
    sim.wait(5 * MIN - 1);
    assert_eq!(sim.count(Command::CloseStream, t), 0);
    sim.wait(1);
    assert_eq!(sim.times(Command::CloseStream, t), [t + 5 * MIN]);
    assert_eq!(sim.mode(), Mode::Paused);
    let paused = sim.now + 1;
    sim.remote_commit();
    sim.wait(60 * MIN);
    assert_eq!(sim.log.iter().filter(|(t, _)| *t >= paused).count(), 0);
    assert_eq!(sim.s.wake_at(), None);
    assert_eq!(
        sim.feed(Input::Visible(true)),
        [Command::OpenStream, Command::StartRound]
    );
    // Visible again soon after a round: no need to pull.
    sim.wait(SEC);
    sim.feed(Input::Visible(false));
    sim.wait(2 * SEC);
    assert!(sim.feed(Input::Visible(true)).is_empty());
}

#[test]
fn an_idle_live_client_pulls_only_every_five_minutes() {
    let mut sim = Sim::live(14);
    let from = sim.now;
    sim.wait(10 * MIN);
    assert_eq!(sim.count(Command::StartRound, from), 2, "in ten minutes");
    assert_eq!(sim.count(Command::OpenStream, from), 0);
}

#[test]
fn a_failed_round_is_retried_with_backoff_which_a_commit_does_not_cut_short() {
    let mut sim = Sim::live(15);
    sim.refuse_rounds = Some(Failure::Server {
        retry_after: 10 * SEC,
    });
    let t = sim.now;
    sim.feed(Input::LocalCommit);
    sim.wait(2 * SEC);
    let first = sim.times(Command::StartRound, t);
    assert_eq!(first.len(), 1);
    let failed = first[0] + ROUND;
    let view = sim.s.view(sim.now);
    assert_eq!(
        view.retry_at,
        Some(failed + 10 * SEC),
        "the status can count down"
    );
    assert_eq!(
        view.round_failure,
        Some(Failure::Server {
            retry_after: 10 * SEC
        })
    );
    sim.refuse_rounds = None;
    assert!(sim.feed(Input::LocalCommit).is_empty());
    sim.wait(MIN);
    assert_eq!(
        sim.times(Command::StartRound, failed),
        [failed + 10 * SEC],
        "{:?}",
        sim.log
    );
    assert_eq!(sim.s.view(sim.now).round_failure, None, "it went through");
}

#[test]
fn work_that_waited_for_the_server_goes_as_soon_as_the_stream_reopens() {
    let mut sim = Sim::live(16);
    sim.server_stops();
    sim.wait(20 * SEC);
    sim.feed(Input::LocalCommit);
    sim.wait(3 * MIN); // rounds and streams fail, backing off to 30 s
    sim.server_up = true;
    let up = sim.now;
    sim.wait(MIN);
    let opened = sim.times(Command::OpenStream, up)[0];
    let rounds = sim.times(Command::StartRound, up);
    assert!(
        rounds[0] <= opened + 10,
        "{} after the stream",
        rounds[0] - opened
    );
}

#[test]
fn a_round_that_reaches_the_server_reopens_a_waiting_stream_at_once() {
    let mut sim = Sim::live(19);
    sim.server_stops();
    sim.wait(20 * SEC); // backing off
    sim.server_up = true;
    let t = sim.now;
    assert_eq!(sim.feed(Input::SyncNow), [Command::StartRound]);
    sim.wait(ROUND + 10);
    assert_eq!(sim.times(Command::OpenStream, t), [t + ROUND]);
    assert_eq!(sim.mode(), Mode::Live);
}

#[test]
fn with_automatic_sync_off_only_the_button_syncs() {
    let mut sim = Sim::new(17);
    assert!(sim.feed(configure(false)).is_empty());
    sim.feed(Input::LocalCommit);
    sim.feed(Input::Online(true));
    sim.feed(Input::Visible(true));
    sim.wait(30 * MIN);
    assert!(sim.log.is_empty());
    sim.online = false;
    assert_eq!(sim.feed(Input::SyncNow), [Command::StartRound]);
    sim.wait(30 * MIN);
    assert_eq!(sim.log.len(), 1, "a failed round is not retried by itself");
    sim.online = true;
    assert_eq!(
        sim.feed(configure(true)),
        [Command::OpenStream, Command::StartRound]
    );
    sim.wait(SEC);
    assert_eq!(sim.feed(configure(false)), [Command::CloseStream]);
}

#[test]
fn after_a_restart_thousands_of_clients_come_back_spread_out() {
    // The server stops for two seconds under 5,000 open streams.
    let mut per_second = [0usize; 10];
    let mut gave_up = 0;
    for seed in 0..5_000 {
        let mut sim = Sim::live(seed);
        sim.wait(MIN);
        let t0 = sim.now;
        sim.server_stops();
        sim.wait(2 * SEC);
        sim.server_up = true;
        sim.wait(30 * SEC);
        match sim.mode() {
            Mode::Live => {
                let last = *sim.times(Command::OpenStream, t0).last().unwrap();
                per_second[usize::try_from((last - t0) / SEC).unwrap().min(9)] += 1;
            }
            _ => gave_up += 1,
        }
    }
    assert_eq!(gave_up, 0);
    // Spread: no second gets half of them.
    assert!(per_second.iter().all(|&n| n < 2_500), "{per_second:?}");
}
