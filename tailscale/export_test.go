package tailscale

// FramedOnlyForTesting makes r frame every record with its scanner before
// decoding it, as it did before records were decoded where they are found:
// what the Reader reports must not depend on which way it reads.
func FramedOnlyForTesting(r *Reader) { r.sc.SetTake(nil) }
