"""Model manifests (data files), installed as the package `vidscore._models`."""
