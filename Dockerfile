# syntax=docker/dockerfile:1
# The gateway (with the embedded engine when KSQLDB_GATEWAY_KSQL_URL is unset).
# Build: docker build -t ksqldb-gateway .
# test/docker/image-layout.test.ts reproduces the runtime stage without a
# container engine: keep its RUN lines to what that test models (npm ci,
# mkdir, chown).

# An exact Node 20 release, not a floating tag: graphql 16, @apollo/subgraph
# 2.14 and the pinned @whatwg-node packages are the Node 20 line, and
# package.json needs >= 20.18.1. Both stages use the same image so the
# compiled output and the runtime agree.
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20.20.2-bookworm-slim
# The engine's default data directory (./ksql-data) would be under /app,
# which the runtime user cannot write: data lives in the /data volume instead.
ENV NODE_ENV=production \
    KSQLDB_GATEWAY_HOST=0.0.0.0 \
    KSQLDB_GATEWAY_PORT=4000 \
    KSQLDB_GATEWAY_DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY schema.graphql ./
# The application stays root-owned (read-only for the gateway); only the data
# directory belongs to `node`. A named volume mounted here for the first time
# takes this ownership from the image.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 4000
# Reads the port at run time so that -e KSQLDB_GATEWAY_PORT=... does not turn
# the container unhealthy.
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+(process.env.KSQLDB_GATEWAY_PORT||4000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/ksqldb-gateway.js"]
CMD ["serve"]
