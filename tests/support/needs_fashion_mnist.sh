#!/bin/sh
# Run a program that reads the real Fashion-MNIST; exit 77 (ctest's "skipped") if it is absent.
dir=${CLASSSENS_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
if [ ! -e "$dir/train-images-idx3-ubyte.gz" ] && [ ! -e "$dir/train-images-idx3-ubyte" ]; then
    echo "SKIP: Fashion-MNIST not found in $dir (apt-get install dataset-fashion-mnist)"
    exit 77
fi
exec "$@"
