//! Profiling helper: 20,000 RollingUpdate trials of checkout-api on one thread.
fn main() {
    let sc =
        deploysim::scenario::load(std::path::Path::new("scenarios/checkout-api.yaml")).unwrap();
    let k = sc
        .strategies
        .iter()
        .position(|s| s.name == "rolling")
        .unwrap();
    let plan = deploysim::montecarlo::Plan {
        runs: 20_000,
        seed: 42,
        strategies: vec![k],
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let stats = pool.install(|| deploysim::montecarlo::run(&sc, &plan, None));
    println!("{:?}", stats[0].outcomes);
}
