//! Profiling helper: trials of one strategy of checkout-api on one thread.
//! `cargo run --release --example profile_rolling -- [strategy] [runs]`
fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "rolling".into());
    let runs = args.next().and_then(|r| r.parse().ok()).unwrap_or(20_000);
    let sc =
        deploysim::scenario::load(std::path::Path::new("scenarios/checkout-api.yaml")).unwrap();
    let k = sc.strategies.iter().position(|s| s.name == name).unwrap();
    let plan = deploysim::montecarlo::Plan {
        runs,
        seed: 42,
        strategies: vec![k],
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let t = std::time::Instant::now();
    let stats = pool.install(|| deploysim::montecarlo::run(&sc, &plan, None));
    let s = t.elapsed().as_secs_f64();
    println!(
        "{name}: {:.0} trials/s {:?}",
        runs as f64 / s,
        stats[0].outcomes()
    );
}
