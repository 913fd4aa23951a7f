import type { ProxyRequest } from '../request';

/** The methods a route of OBJECT_ROUTES takes; a controller has one handler for each (Swift's controller.GET, ...). */
export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE' | 'COPY';

/** One path depth's handlers, by method: the dispatcher calls the one OBJECT_ROUTES allows. */
export type ProxyController = Partial<Record<HttpMethod, (r: ProxyRequest) => Promise<void>>>;
