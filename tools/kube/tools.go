//go:build tools

// The binaries built from this module (scripts/prepare-kube.sh): kube-apiserver and etcd, for the cluster tests.
package tools
