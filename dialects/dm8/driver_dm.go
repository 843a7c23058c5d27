//go:build dm

package dm8

// Built with -tags dm: the DM8 driver is linked in and registers itself
// under "dm". The module is not on the public Go module proxy and is not in
// go.mod: `go get gitee.com/chunanyong/dm@v1.8.13` before `make build
// TAGS=dm` (see docs/dialects.md, "DM8 driver").

import (
	"errors"
	"fmt"

	"gitee.com/chunanyong/dm"
)

func init() {
	describeError = func(err error) error {
		var de *dm.DmError
		if errors.As(err, &de) {
			return fmt.Errorf("DM error %d: %w", de.ErrCode, err)
		}
		return err
	}
}
