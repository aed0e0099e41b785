/**
 * SHA-256 of Trivy release archives, kept here on purpose: a checksum file downloaded beside the archive
 * proves nothing when the release itself was replaced. Add a version only after checking its hashes.
 */
export const PINNED_TRIVY_CHECKSUMS: Record<string, Record<string, string>> = {
  '0.74.0': {
    'trivy_0.74.0_Linux-64bit.tar.gz': '2ae6fe3ee734b7fdf11335663e18c75ea12dccc76062f09f164a3b0f8be4371a',
    'trivy_0.74.0_Linux-ARM64.tar.gz': 'b94ce1976bbf3c15b514b605ee88be7c6d94a29be2302847ff01cb794d47aad5',
  },
};
