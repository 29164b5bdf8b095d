//! Speed targets (issue: RollingUpdate on checkout-api ≥ 50,000 trials/s per
//! core; trial time independent of rps; memory flat in trials).
//!
//! Groups: the event queue, one trial, a 10,000-trial batch on one thread,
//! the same batch under each sampling, and a whole `run` as the CLI does it.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use deploysim::commands::{self, Format, RunOptions};
use deploysim::montecarlo::{self, Plan};
use deploysim::scenario::{self, Sampling, Scenario};
use deploysim::sim::{EventQueue, SimTime};
use deploysim::trial::World;

fn checkout() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/checkout-api.yaml");
    scenario::load(&path).expect("shipped scenario loads")
}

fn strategy_index(sc: &Scenario, name: &str) -> usize {
    sc.strategies
        .iter()
        .position(|s| s.name == name)
        .expect("strategy exists")
}

fn event_queue(c: &mut Criterion) {
    let mut g = c.benchmark_group("event_queue");
    g.throughput(Throughput::Elements(1000));
    g.bench_function("push_pop_1000", |b| {
        let mut q = EventQueue::new();
        b.iter(|| {
            for i in 0..1000u64 {
                q.push(SimTime((i * 7919) % 1000), i);
            }
            while let Some(e) = q.pop() {
                black_box(e);
            }
        });
    });
    g.finish();
}

fn one_trial(c: &mut Criterion) {
    let sc = checkout();
    let mut g = c.benchmark_group("one_trial");
    for name in [
        "recreate",
        "rolling",
        "blue-green",
        "canary",
        "canary-flagger",
    ] {
        let k = strategy_index(&sc, name);
        let mut world = World::new(&sc, &sc.strategies[k]);
        let mut trial = 0u64;
        g.bench_function(name, |b| {
            b.iter(|| {
                trial += 1;
                black_box(montecarlo::run_trial(&mut world, &sc, 42, trial))
            })
        });
    }
    // The cost of a trial must not depend on the request rate.
    let k = strategy_index(&sc, "rolling");
    for rps in [10.0, 1e6] {
        let mut sc = sc.clone();
        sc.traffic.rps = rps;
        sc.service.pod.capacity_rps = rps; // keep the same headroom
        let mut world = World::new(&sc, &sc.strategies[k]);
        let mut trial = 0u64;
        g.bench_with_input(BenchmarkId::new("rolling_rps", rps as u64), &rps, |b, _| {
            b.iter(|| {
                trial += 1;
                black_box(montecarlo::run_trial(&mut world, &sc, 42, trial))
            })
        });
    }
    g.finish();
}

fn one_thread() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool")
}

fn batch(c: &mut Criterion) {
    let sc = checkout();
    let pool = one_thread();
    let mut g = c.benchmark_group("batch_10k_one_thread");
    g.sample_size(10);
    g.throughput(Throughput::Elements(10_000));
    for name in ["recreate", "rolling", "blue-green", "canary"] {
        let plan = Plan {
            runs: 10_000,
            seed: 42,
            strategies: vec![strategy_index(&sc, name)],
        };
        g.bench_function(name, |b| {
            b.iter(|| pool.install(|| black_box(montecarlo::run(&sc, &plan, None))))
        });
    }
    g.finish();
}

/// Stratified against natural sampling, 10,000 trials of one strategy on one
/// thread. As shipped (8% bad releases) a stratified batch holds half bad
/// releases, which run longer than good ones; at the same mix (natural with
/// defectProbability 50%) the two differ only by the stratum rule.
fn sampling(c: &mut Criterion) {
    let base = checkout();
    let pool = one_thread();
    let mut g = c.benchmark_group("sampling_10k_one_thread");
    g.sample_size(10);
    g.throughput(Throughput::Elements(10_000));
    let stratified = |mut sc: Scenario| {
        sc.monte_carlo.sampling = Sampling::Stratified { bad_share: 0.5 };
        sc
    };
    let natural = |mut sc: Scenario, p: f64| {
        sc.monte_carlo.sampling = Sampling::Natural;
        sc.release.defect_probability = p;
        sc
    };
    let p = base.release.defect_probability;
    let cases = [
        ("stratified_50", stratified(base.clone())),
        ("natural_as_shipped", natural(base.clone(), p)),
        ("natural_at_50", natural(base.clone(), 0.5)),
    ];
    for name in ["rolling", "canary"] {
        for (label, sc) in &cases {
            let plan = Plan {
                runs: 10_000,
                seed: 42,
                strategies: vec![strategy_index(sc, name)],
            };
            g.bench_function(BenchmarkId::new(name, label), |b| {
                b.iter(|| pool.install(|| black_box(montecarlo::run(sc, &plan, None))))
            });
        }
    }
    g.finish();
}

fn whole_run(c: &mut Criterion) {
    let mut g = c.benchmark_group("run");
    g.sample_size(10);
    let opts = RunOptions {
        scenario: Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/checkout-api.yaml"),
        // A fixed count: the scenario's precision target would run 140,000.
        runs: Some(10_000),
        format: Format::Json,
        ..RunOptions::default()
    };
    g.bench_function("checkout_api_10k_all_strategies", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            commands::run(&opts, &mut out).expect("run succeeds");
            black_box(out)
        })
    });
    g.finish();
}

criterion_group!(benches, event_queue, one_trial, batch, sampling, whole_run);
criterion_main!(benches);
