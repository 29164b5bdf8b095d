mod argo_arithmetic;
mod cli;
mod k8s_arithmetic;
mod properties;
mod scenario_errors;
mod strategies;
