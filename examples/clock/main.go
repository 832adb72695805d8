// A server that needs time zone data: GET /?tz=Europe/Paris answers "Europe/Paris CET +0100" (or CEST in
// summer), or 500 with Go's error when the image has no time zone database. Build it with --tzdata.
// PORT, when set, moves it off :8080.
package main

import (
	"fmt"
	"net/http"
	"os"
	"time"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("tz")
		if name == "" {
			name = "Europe/Paris"
		}
		loc, err := time.LoadLocation(name)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, name+" "+time.Now().In(loc).Format("MST -0700"))
	})

	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	fmt.Printf("Server starting on port %s...\n", port)
	if err := http.ListenAndServe(":"+port, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
