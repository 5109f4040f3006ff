# shellcheck shell=bash
# Shared by run-demo, run-executor-loss and benchmark-sharing (sourced, after `set -euo pipefail` and `root=`):
# a fresh two-host cluster with generated digits on its HDFS, and the training arguments they all use.

: "${root:?the sourcing script sets root}"
export ATTN_STATE=${ATTN_STATE:-/tmp/attnspark-standalone}
kit="$root/deploy/standalone"

# The small model of the tests, through the same configuration keys, on the digits at hdfs:///datasets/digits, with
# the job's gradient-sharing defaults: 2 executors x 2 trainers, each stepping with a quarter of the learning rate
# (docs/deployment.md, "Gradient sharing").
# shellcheck disable=SC2034  # used by the sourcing scripts
small_model_args=(--config "$root/conf/perceiver-io-img-clf-mnist.yaml" --data.dataset_dir=hdfs:///datasets/digits
    --trainer.strategy=shared
    --model.num_latents=16 --model.encoder.num_frequency_bands=16 --model.encoder.num_cross_attention_layers=1
    --model.encoder.num_self_attention_blocks=1 --model.encoder.num_self_attention_layers_per_block=2
    --model.encoder.dropout=0 --model.decoder.dropout=0 --optimizer.lr=2e-3
    --lr_scheduler.warmup_steps=20 --data.batch_size=32)

# Starts a fresh cluster of 2 hosts (stopped again on exit unless KEEP_CLUSTER=1) and puts digits on its HDFS at
# /datasets/digits: DEMO_DIGITS if set, else TRAIN (default 6000) generated training images and 500 test images.
start_cluster_with_digits() {
    local train=${1:-6000}
    "$kit/hosts" check
    "$kit/cluster" stop >/dev/null 2>&1 || true
    if [ "${KEEP_CLUSTER:-0}" != 1 ]; then
        trap '"$kit/cluster" stop >/dev/null 2>&1 || true' EXIT
    fi
    "$kit/cluster" start 2
    local digits=${DEMO_DIGITS:-$ATTN_STATE/digits}
    if [ -z "${DEMO_DIGITS:-}" ]; then
        echo "[cluster] generating digits"
        rm -rf "$digits"
        "$root/deploy/local/run" make-digits --out "$digits" --train "$train" --test 500
    fi
    "$kit/cluster" fs -mkdir -p /datasets
    "$kit/cluster" fs -put "$digits" /datasets/digits
}
