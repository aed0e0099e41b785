// Command vexcheck reads an OpenVEX document with go-vex, the OpenVEX project's own library (vexctl and Trivy read
// VEX with it), and validates every statement the way it does. It prints one line per statement, or the error.
//
//	vexcheck FILE
package main

import (
	"fmt"
	"os"

	"github.com/openvex/go-vex/pkg/vex"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: vexcheck FILE")
		os.Exit(2)
	}
	doc, err := vex.Open(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "vexcheck: %v\n", err)
		os.Exit(1)
	}
	if doc.ID == "" || doc.Author == "" || doc.Timestamp == nil {
		fmt.Fprintln(os.Stderr, "vexcheck: the document needs @id, author and timestamp")
		os.Exit(1)
	}
	for i := range doc.Statements {
		stmt := doc.Statements[i]
		if err := stmt.Validate(); err != nil {
			fmt.Fprintf(os.Stderr, "vexcheck: statement %d: %v\n", i, err)
			os.Exit(1)
		}
		for _, p := range stmt.Products {
			subs := []string{}
			for _, s := range p.Subcomponents {
				subs = append(subs, s.ID)
			}
			fmt.Printf("%s %s %s %v\n", stmt.Vulnerability.Name, stmt.Status, p.ID, subs)
		}
	}
}
