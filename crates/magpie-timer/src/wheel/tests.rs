use super::*;
use std::pin::Pin;

fn entries(n: usize) -> Vec<Pin<Box<Entry>>> {
    (0..n).map(|_| Box::pin(Entry::new())).collect()
}

fn ptr(e: &Pin<Box<Entry>>) -> NonNull<Entry> {
    NonNull::from(&**e)
}

fn when(e: NonNull<Entry>) -> u64 {
    // SAFETY: test entries outlive the wheel operations and nothing runs concurrently.
    unsafe { with_links(e, |l| l.when) }
}

/// A small deterministic generator, so failures replay.
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Drains the wheel up to `now`, returning the deadlines of the entries fired.
fn drain(wheel: &mut Wheel, now: u64) -> Vec<u64> {
    let mut out = Vec::new();
    while let Some(e) = wheel.poll(now) {
        out.push(when(e));
    }
    out
}

#[test]
fn level_for_boundaries() {
    assert_eq!(level_for(0, 1), 0);
    assert_eq!(level_for(0, 63), 0);
    assert_eq!(level_for(0, 64), 1);
    assert_eq!(level_for(63, 64), 1);
    assert_eq!(level_for(0, 4095), 1);
    assert_eq!(level_for(0, 4096), 2);
    assert_eq!(level_for(0, WHEEL_SPAN - 1), 5);
    assert_eq!(level_for(0, WHEEL_SPAN * 7), 5);
}

#[test]
fn past_deadline_is_refused() {
    let es = entries(1);
    let mut wheel = Wheel::new();
    assert!(drain(&mut wheel, 10).is_empty());
    // SAFETY: the entry outlives the wheel use and is linked nowhere.
    unsafe {
        assert!(!wheel.insert(ptr(&es[0]), 10));
        assert!(!wheel.insert(ptr(&es[0]), 3));
        assert!(wheel.insert(ptr(&es[0]), 11));
    }
    assert_eq!(wheel.next_expiration(), Some(11));
    assert_eq!(drain(&mut wheel, 11), vec![11]);
}

#[test]
fn fires_each_at_its_tick_in_order() {
    let deadlines = [
        1u64, 5, 63, 64, 65, 200, 4095, 4096, 4097, 300_000, 70_000_000,
    ];
    let es = entries(deadlines.len());
    let mut wheel = Wheel::new();
    for (e, &d) in es.iter().zip(&deadlines) {
        // SAFETY: entries outlive the wheel use and are linked nowhere.
        assert!(unsafe { wheel.insert(ptr(e), d) });
    }
    let mut fired = Vec::new();
    while let Some(next) = wheel.next_expiration() {
        // Nothing fires before its deadline, even when the wheel wakes early to cascade.
        let batch = drain(&mut wheel, next);
        assert!(batch.iter().all(|&w| w == next), "{batch:?} at {next}");
        fired.extend(batch);
    }
    assert_eq!(fired, deadlines);
}

#[test]
fn jumping_far_ahead_fires_everything_due() {
    let es = entries(3);
    let mut wheel = Wheel::new();
    // SAFETY: entries outlive the wheel use and are linked nowhere.
    unsafe {
        wheel.insert(ptr(&es[0]), 10);
        wheel.insert(ptr(&es[1]), 100_000);
        wheel.insert(ptr(&es[2]), 1_000_000);
    }
    let mut got = drain(&mut wheel, 500_000);
    got.sort();
    assert_eq!(got, vec![10, 100_000]);
    assert_eq!(wheel.elapsed(), 500_000);
    assert_eq!(drain(&mut wheel, 1_000_000), vec![1_000_000]);
    assert_eq!(wheel.next_expiration(), None);
}

#[test]
fn remove_from_slot_and_expired_list() {
    let es = entries(4);
    let mut wheel = Wheel::new();
    // SAFETY: entries outlive the wheel use; each is removed only while linked here.
    unsafe {
        wheel.insert(ptr(&es[0]), 7);
        wheel.insert(ptr(&es[1]), 7);
        wheel.insert(ptr(&es[2]), 7);
        wheel.insert(ptr(&es[3]), 9000);
        wheel.remove(ptr(&es[1]));
        wheel.remove(ptr(&es[3]));
        // Removing an entry that is linked nowhere is a no-op.
        wheel.remove(ptr(&es[3]));
    }
    assert_eq!(wheel.next_expiration(), Some(7));
    let first = wheel.poll(7).unwrap();
    // The other due entry is now in the expired list; remove it from there.
    let other = if first == ptr(&es[0]) { &es[2] } else { &es[0] };
    // SAFETY: `other` is linked in the expired list of this wheel.
    unsafe { wheel.remove(ptr(other)) };
    assert_eq!(wheel.poll(7), None);
    assert_eq!(wheel.next_expiration(), None);
}

#[test]
fn beyond_the_wheel_span_fires_on_time() {
    let es = entries(2);
    let mut wheel = Wheel::new();
    let far = WHEEL_SPAN * 3 + 12_345;
    // SAFETY: entries outlive the wheel use and are linked nowhere.
    unsafe {
        wheel.insert(ptr(&es[0]), far);
        wheel.insert(ptr(&es[1]), WHEEL_SPAN + 1);
    }
    let mut fired = Vec::new();
    let mut steps = 0;
    while let Some(next) = wheel.next_expiration() {
        steps += 1;
        let batch = drain(&mut wheel, next);
        assert!(batch.iter().all(|&w| w == next));
        fired.extend(batch);
    }
    assert_eq!(fired, vec![WHEEL_SPAN + 1, far]);
    assert!(steps < 40, "too many wake-ups: {steps}");
}

#[test]
fn random_deadlines_fire_in_order_with_removals() {
    const N: usize = 20_000;
    let es = entries(N);
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut wheel = Wheel::new();
    let mut expected = Vec::new();
    for (i, e) in es.iter().enumerate() {
        let d = 1 + rng.next() % 10_000_000;
        // SAFETY: entries outlive the wheel use and are linked nowhere.
        unsafe { wheel.insert(ptr(e), d) };
        if i % 3 == 0 {
            // SAFETY: the entry is linked in this wheel.
            unsafe { wheel.remove(ptr(e)) };
        } else {
            expected.push(d);
        }
    }
    expected.sort_unstable();
    let mut fired = Vec::new();
    let mut now = 0;
    while let Some(next) = wheel.next_expiration() {
        assert!(next >= now);
        now = next;
        for w in drain(&mut wheel, now) {
            assert_eq!(w, now);
            fired.push(w);
        }
    }
    assert_eq!(fired, expected);
}

#[test]
fn pop_any_empties_the_wheel() {
    let es = entries(5);
    let mut wheel = Wheel::new();
    for (i, e) in es.iter().enumerate() {
        // SAFETY: entries outlive the wheel use and are linked nowhere.
        unsafe { wheel.insert(ptr(e), 1 + (i as u64) * 100_000) };
    }
    let mut n = 0;
    while wheel.pop_any().is_some() {
        n += 1;
    }
    assert_eq!(n, 5);
    assert_eq!(wheel.next_expiration(), None);
}

#[test]
fn far_deadlines_from_odd_starting_points_fire_on_time() {
    let mut rng = XorShift(7);
    for round in 0..300 {
        let es = entries(8);
        let mut wheel = Wheel::new();
        // Move the wheel's time to an arbitrary point, sometimes just below a boundary of
        // the top level.
        let start = if round % 2 == 0 {
            rng.next() % (WHEEL_SPAN * 3)
        } else {
            WHEEL_SPAN * (1 + rng.next() % 3) - 1 - rng.next() % 100
        };
        assert!(drain(&mut wheel, start).is_empty());
        let mut expected = Vec::new();
        for e in &es {
            let d = start + 1 + rng.next() % (WHEEL_SPAN * 4);
            // SAFETY: entries outlive the wheel use and are linked nowhere.
            assert!(unsafe { wheel.insert(ptr(e), d) });
            expected.push(d);
        }
        expected.sort_unstable();
        let mut fired = Vec::new();
        while let Some(next) = wheel.next_expiration() {
            let batch = drain(&mut wheel, next);
            assert!(
                batch.iter().all(|&w| w == next),
                "{batch:?} at {next}, round {round} start {start} expected {expected:?}"
            );
            fired.extend(batch);
        }
        assert_eq!(fired, expected, "round {round} from {start}");
    }
}

#[test]
fn random_timeline_against_a_model() {
    // Random inserts (near and far), removals and time jumps (small and huge); after each
    // drain, exactly the live entries due by then have fired.
    let mut rng = XorShift(0xABCD_EF01);
    let es = entries(64);
    let mut live: Vec<Option<u64>> = vec![None; es.len()];
    let mut wheel = Wheel::new();
    let mut now = 0u64;
    for _ in 0..20_000 {
        match rng.next() % 10 {
            0..=4 => {
                let i = (rng.next() % es.len() as u64) as usize;
                if live[i].is_none() {
                    let span =
                        [64, 4096, 1 << 20, WHEEL_SPAN, WHEEL_SPAN * 3][rng.next() as usize % 5];
                    let when = now + 1 + rng.next() % span;
                    // SAFETY: entries outlive the wheel use; `i` is linked nowhere.
                    assert!(unsafe { wheel.insert(ptr(&es[i]), when) });
                    live[i] = Some(when);
                }
            }
            5 | 6 => {
                let i = (rng.next() % es.len() as u64) as usize;
                if live[i].take().is_some() {
                    // SAFETY: `i` is linked in this wheel.
                    unsafe { wheel.remove(ptr(&es[i])) };
                }
            }
            _ => {
                let step = [1, 63, 5000, 1 << 25, WHEEL_SPAN / 2][rng.next() as usize % 5];
                now += rng.next() % step;
                while let Some(e) = wheel.poll(now) {
                    let i = es.iter().position(|x| ptr(x) == e).unwrap();
                    let when = live[i].take().expect("a removed entry fired");
                    assert!(when <= now, "fired early: {when} at {now}");
                }
                for w in live.iter().flatten() {
                    assert!(*w > now, "entry due at {w} did not fire by {now}");
                }
                if let Some(next) = wheel.next_expiration() {
                    assert!(next > now);
                    let earliest = live.iter().flatten().min().unwrap();
                    assert!(next <= *earliest, "next {next} after due {earliest}");
                }
            }
        }
    }
}
