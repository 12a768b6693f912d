#include <yieldtasks/mpi.hpp>
