//go:build !failpoint

package failpoint

// Hit marks that the run passed point name. Without the failpoint build
// tag it does nothing.
func Hit(name string) {}

// Enabled reports whether this binary was built with failpoints.
const Enabled = false
