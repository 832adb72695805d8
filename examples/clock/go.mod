module clock

go 1.21
