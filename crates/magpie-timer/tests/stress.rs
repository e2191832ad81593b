//! Many threads registering, resetting, cancelling and awaiting timers at once while a
//! driver thread fires them on the real clock: no crash, no lost wake-up (every awaited
//! sleep completes), and sleeps moved between threads are cancelled under the right shard.

mod common;

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::task::Context;
use std::time::Duration;

use common::XorShift;
use magpie_sched::park::{Park, Parker, Unpark};
use magpie_timer::{sleep, Builder, Instant, Sleep};

#[test]
fn concurrent_register_cancel_reset_fire() {
    const THREADS: usize = 4;
    const ROUNDS: u64 = 1500;
    let mut driver = Builder::new().shards(THREADS).build(Parker::new());
    let handle = driver.handle();
    let unpark = driver.unpark();
    let stop = Arc::new(AtomicBool::new(false));
    let driver_thread = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                driver.park();
            }
            driver
        })
    };
    // Sleeps registered on one thread are dropped on another.
    let (tx, rx) = mpsc::channel::<Pin<Box<Sleep>>>();
    let dropper = std::thread::spawn(move || {
        for s in rx {
            drop(s)
        }
    });
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let handle = handle.clone();
            let tx = tx.clone();
            scope.spawn(move || {
                let _g = handle.enter();
                let mut rng = XorShift(0x1234_5678 + t as u64);
                let noop = Context::from_waker(std::task::Waker::noop())
                    .waker()
                    .clone();
                for _ in 0..ROUNDS {
                    let ms = rng.next() % 3;
                    let mut s = Box::pin(sleep(Duration::from_millis(ms)));
                    match rng.next() % 4 {
                        0 => {
                            let deadline = s.deadline();
                            futures::executor::block_on(s.as_mut());
                            assert!(Instant::now() >= deadline);
                        }
                        1 => {
                            let _ = s.as_mut().poll(&mut Context::from_waker(&noop));
                            drop(s);
                        }
                        2 => {
                            let _ = s.as_mut().poll(&mut Context::from_waker(&noop));
                            let to = Instant::now() + Duration::from_millis(rng.next() % 3);
                            s.as_mut().reset(to);
                            futures::executor::block_on(s.as_mut());
                            assert!(Instant::now() >= to);
                        }
                        _ => {
                            let _ = s.as_mut().poll(&mut Context::from_waker(&noop));
                            tx.send(s).unwrap();
                        }
                    }
                }
            });
        }
    });
    drop(tx);
    dropper.join().unwrap();
    stop.store(true, Ordering::SeqCst);
    unpark.unpark();
    drop(driver_thread.join().unwrap());
}

use std::future::Future;
