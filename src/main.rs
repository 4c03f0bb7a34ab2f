fn main() {
    std::process::exit(kubelet_ckpt::cli::main());
}
