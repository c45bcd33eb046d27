"""Page routes, one module per area of the console; web.pages gathers them into one router."""
