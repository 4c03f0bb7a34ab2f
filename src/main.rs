fn main() {
    kubelet_ckpt::tune_allocator();
    std::process::exit(kubelet_ckpt::cli::main());
}
