"""Pure domain: pydantic models, the planner, carry and risk math. No I/O, no project imports."""
