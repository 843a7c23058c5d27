//go:build dm

package dm8

// Built with -tags dm: the DM8 driver is linked in and registers itself
// under "dm". The module is not on the public Go module proxy and is never
// in go.mod: `make build TAGS=dm` fetches it into a separate modfile and
// places this file into package dm8 through a build overlay
// (internal/tools/drivers; docs/dialects.md, "DM8 driver"). The file lives
// in _driver/, which the go command ignores, so that `go mod tidy` and the
// default build never look for the driver.

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
