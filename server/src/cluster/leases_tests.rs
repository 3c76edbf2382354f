use super::*;

const LEASE: Duration = Duration::from_secs(8);

fn holder(node: &str) -> Holder {
    Holder {
        node: node.into(),
        url: format!("http://{node}"),
    }
}

fn book(node: &str, shards: ShardId, t0: Instant) -> Book {
    Book::new(holder(node), shards, LEASE, t0)
}

/// Carries out every action as NATS would for a node alone: each write
/// succeeds with the next revision.
fn run_round(b: &mut Book, now: Instant, next_revision: &mut u64) -> Vec<Change> {
    let mut changes = b.expire(now);
    for action in b.plan(now) {
        *next_revision += 1;
        changes.extend(b.settle(&action, Outcome::Done(*next_revision), now));
    }
    changes
}

#[test]
fn a_lone_node_listens_for_a_round_then_takes_every_shard() {
    let t0 = Instant::now();
    let mut b = book("a", 8, t0);
    let mut rev = 0;
    assert!(
        run_round(&mut b, t0, &mut rev).is_empty(),
        "took before listening"
    );
    let round = b.round();
    let changes = run_round(&mut b, t0 + round, &mut rev);
    assert_eq!(changes.len(), 8);
    assert!((0..8).all(|s| b.holds(s)));
}

#[test]
fn another_nodes_shard_is_taken_only_after_its_revision_stood_still_for_a_lease() {
    let t0 = Instant::now();
    let mut b = book("b", 1, t0);
    b.observe(0, 5, Some(holder("a")), t0);
    b.observe_node("a", 1, t0);
    let before = b.plan(t0 + LEASE - Duration::from_millis(1));
    assert!(before.is_empty(), "{before:?}");
    // The holder renewed: the clock starts again from this revision.
    b.observe(0, 6, Some(holder("a")), t0 + LEASE / 2);
    assert!(b.plan(t0 + LEASE).is_empty());
    let after = b.plan(t0 + LEASE / 2 + LEASE);
    assert_eq!(
        after,
        vec![Action::Take {
            shard: 0,
            revision: 6
        }]
    );
}

#[test]
fn a_holder_stops_serving_before_another_node_may_take_over() {
    // The holder sends a renewal at `sent`; it is written and seen by the
    // other node at any later moment. Whatever the delays, the holder's
    // last moment of serving comes before the other's first.
    let t0 = Instant::now();
    for delay_ms in [0_u64, 1, 50, 1_999, 5_000] {
        let mut a = book("a", 1, t0);
        let mut b = book("b", 1, t0);
        let sent = t0 + Duration::from_secs(3);
        let serve = a.settle(&Action::Create { shard: 0 }, Outcome::Done(1), sent);
        let Some(Change::Serve { until, .. }) = serve else {
            panic!("not served: {serve:?}");
        };
        let seen_at = sent + Duration::from_millis(delay_ms);
        b.observe(0, 1, Some(holder("a")), seen_at);
        let first_take = (0..100_000)
            .map(|ms| seen_at + Duration::from_millis(ms))
            .find(|&t| !b.plan(t).is_empty())
            .expect("takes eventually");
        assert!(
            until < first_take,
            "delay {delay_ms} ms: served until {until:?}, taken at {first_take:?}"
        );
        assert_eq!(a.expire(until), vec![Change::Stop { shard: 0 }]);
    }
}

#[test]
fn an_unanswered_renewal_lets_the_serving_time_run_out() {
    let t0 = Instant::now();
    let mut b = book("a", 1, t0);
    b.settle(&Action::Create { shard: 0 }, Outcome::Done(1), t0);
    for action in b.plan(t0 + LEASE / 4) {
        assert_eq!(b.settle(&action, Outcome::Unknown, t0 + LEASE / 4), None);
    }
    assert!(b.expire(t0 + LEASE / 2).is_empty());
    assert_eq!(
        b.expire(t0 + LEASE.mul_f64(SERVE_FRACTION)),
        vec![Change::Stop { shard: 0 }]
    );
    assert!(!b.holds(0));
}

#[test]
fn a_renewal_that_lost_the_race_or_a_write_by_another_stops_serving_at_once() {
    let t0 = Instant::now();
    let mut b = book("a", 2, t0);
    b.settle(&Action::Create { shard: 0 }, Outcome::Done(1), t0);
    b.settle(&Action::Create { shard: 1 }, Outcome::Done(2), t0);
    let renew = Action::Renew {
        shard: 0,
        revision: 1,
    };
    assert_eq!(
        b.settle(&renew, Outcome::Lost, t0),
        Some(Change::Stop { shard: 0 })
    );
    assert_eq!(
        b.observe(1, 9, Some(holder("b")), t0),
        Some(Change::Stop { shard: 1 })
    );
    assert!(!b.holds(0) && !b.holds(1));
}

#[test]
fn a_grown_cluster_gets_its_share_given_up_and_taken_from_free_entries() {
    let t0 = Instant::now();
    let mut a = book("a", 8, t0);
    let mut rev = 0;
    let round = a.round();
    run_round(&mut a, t0 + round, &mut rev);
    assert_eq!(a.held().len(), 8);
    // b appears, holding nothing.
    let now = t0 + LEASE;
    a.observe_node("b", 1, now);
    let plan = a.plan(now);
    let releases: Vec<_> = plan
        .iter()
        .filter(|x| matches!(x, Action::Release { .. }))
        .cloned()
        .collect();
    assert_eq!(releases.len(), 4, "{plan:?}");
    for r in &releases {
        assert!(!a.holds(r.shard()), "still served while being given up");
        a.settle(r, Outcome::Done(100 + u64::from(r.shard())), now);
    }
    assert_eq!(a.held().len(), 4);
    // b sees the free entries and takes them without waiting a lease.
    let mut b = book("b", 8, t0);
    for r in &releases {
        b.observe(r.shard(), 100 + u64::from(r.shard()), None, now);
    }
    for s in 0..8 {
        if !releases.iter().any(|r| r.shard() == s) {
            b.observe(s, 50, Some(holder("a")), now);
        }
    }
    b.observe_node("a", 1, now);
    let takes = b.plan(now + b.round());
    assert_eq!(takes.len(), 4, "{takes:?}");
    assert!(takes.iter().all(|t| matches!(t, Action::Take { .. })));
}

#[test]
fn requests_for_a_shard_go_to_its_holders_address_never_to_our_own() {
    let t0 = Instant::now();
    let mut b = book("a", 4, t0);
    b.observe(1, 3, Some(holder("b")), t0);
    b.observe(2, 4, Some(holder("a")), t0);
    b.observe(3, 5, None, t0);
    assert_eq!(b.owner_url(1), Some("http://b"));
    assert_eq!(b.owner_url(2), None);
    assert_eq!(b.owner_url(3), None);
    assert_eq!(b.owner_url(0), None);
    // An older revision arriving late changes nothing.
    b.observe(1, 2, Some(holder("c")), t0);
    assert_eq!(b.owner_url(1), Some("http://b"));
}

#[test]
fn a_move_asked_for_is_given_up_at_once_kept_for_its_node_and_taken_by_it() {
    let t0 = Instant::now();
    let now = t0 + LEASE;
    let mut a = book("a", 4, t0);
    for s in 0..4 {
        a.settle(
            &Action::Create { shard: s },
            Outcome::Done(u64::from(s) + 1),
            now,
        );
    }
    a.observe_move(2, Some("b".into()), now);
    let plan = a.plan(now);
    assert!(
        plan.contains(&Action::Release {
            shard: 2,
            revision: 3
        }),
        "{plan:?}"
    );
    assert!(!a.holds(2));

    // The shard is free now: c leaves it for b, b takes it at once even
    // beyond its share.
    let mut b = book("b", 4, t0);
    let mut c = book("c", 4, t0);
    for other in [&mut b, &mut c] {
        for s in [0, 1, 3] {
            other.observe(s, 9, Some(holder("a")), now);
        }
        other.observe(2, 10, None, now);
        other.observe_node("a", 1, now);
        other.observe_move(2, Some("b".into()), now);
    }
    assert!(c.plan(now).iter().all(|x| x.shard() != 2), "c waits for b");
    assert!(b.asked_here(2));
    assert!(b.plan(now).contains(&Action::Take {
        shard: 2,
        revision: 10
    }));
    // A node asked for that never comes does not keep it for ever.
    assert!(c.plan(now + LEASE).iter().any(|x| x.shard() == 2));
}
