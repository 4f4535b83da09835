// The package's version, written into model.json and ONNX files and shown
// by `jpvae --version`. A constant rather than a read of package.json, so
// that it works in browsers and bundles; a test keeps it equal to
// package.json's version.
export const PACKAGE_VERSION = '0.1.0';
