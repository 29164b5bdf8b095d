mod argo_arithmetic;
mod k8s_arithmetic;
mod scenario_errors;
mod strategies;
