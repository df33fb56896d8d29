package simhw

import "syscall"

// syscallNoCTTY keeps a pty from becoming our controlling terminal.
const syscallNoCTTY = syscall.O_NOCTTY
