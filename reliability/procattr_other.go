//go:build !linux

package reliability

import "syscall"

func childAttr() *syscall.SysProcAttr { return nil }
