// Prints the roles-per-RPC table for docs/security.md (between its roles-table markers).
#include <iostream>

#include "roles_table.h"

int main() {
  std::cout << ipraktik::access::RolesTable();
  return 0;
}
