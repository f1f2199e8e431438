"""What the ops room decides with: the crisis lists, the stations, the allocation of resources, risk overlays."""
