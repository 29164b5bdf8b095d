//! Events per trial by strategy and defect kind (a cost breakdown).
fn main() {
    let sc =
        deploysim::scenario::load(std::path::Path::new("scenarios/checkout-api.yaml")).unwrap();
    for s in &sc.strategies {
        let mut w = deploysim::trial::World::new(&sc, s);
        let mut by: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
        for t in 0..4000 {
            let before = w.events;
            let (rel, _) = deploysim::montecarlo::run_trial(&mut w, &sc, 42, t);
            let k = rel.defect.as_ref().map_or("good", |d| d.kind);
            let e = by.entry(k).or_default();
            e.0 += 1;
            e.1 += w.events - before;
        }
        let total: u64 = by.values().map(|v| v.1).sum();
        print!("{:<16} {:>6.0}/trial ", s.name, total as f64 / 4000.0);
        for (k, (n, e)) in &by {
            print!(" {k}:{:.0}", *e as f64 / *n as f64);
        }
        println!();
    }
}
